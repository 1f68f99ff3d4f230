"""The input guardrails as one `InputGuard`: size cap, normalization, injection rules, secrets and personal data.

Order matters for cost and safety: the size cap comes before anything else touches the text, so a 1 MB message
costs one `len`; normalization comes before every match, so hidden characters cannot split a keyword; secrets
and personal data are found on the normalized text, and the offsets reported point into the text as received.
The normalized text is for matching only: what is passed on (to the model, the thread root, the journal) is the
text as received, without its invisible characters, with each secret and personal value replaced at the span it
occupies there. NFKC would turn a fullwidth `＜!channel＞` into a live Slack broadcast. Pure and synchronous: no
I/O, no model, no clock other than the latency measurement.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from agents.guardrails._regex import compile_bytes
from agents.guardrails.config import GuardrailsConfig
from agents.guardrails.detector import Detector, load_detector
from agents.guardrails.entities import DetectorSet, Entity
from agents.guardrails.injection import InjectionScanner
from agents.guardrails.normalize import Normalized, normalize, visible
from agents.guardrails.pii import INFRASTRUCTURE_DETECTORS, PII_DETECTORS
from agents.guardrails.scope import ScopeMatcher, out_of_scope_reason
from agents.guardrails.secrets import SECRET_DETECTORS
from agents.guardrails.vault import PLACEHOLDER_PATTERN, PseudonymVault
from agents.guardrails.verdicts import Action, InputVerdict, Span, strongest
from agents.guardrails.views import BLOB_HINT

__all__ = ["SCOPE_RULE", "SIZE_RULE", "InputGuardrails"]

SIZE_RULE = "S1 size-limit"
SCOPE_RULE = "S2 out-of-scope"
_PLACEHOLDER_LIKE = compile_bytes(PLACEHOLDER_PATTERN)


class InputGuardrails:
    """Checks a text that is about to reach an agent: a Slack request, a thread reply, a tool's output."""

    def __init__(self, config: GuardrailsConfig | None = None, *, detector: Detector | None = None) -> None:
        """`detector` replaces the shipped learned detector (the benchmark's cross-source models)."""
        self.config = config or GuardrailsConfig()
        config = self.config
        detector = (detector or load_detector()) if config.detector else None
        self._detector = detector
        self._scanner = InjectionScanner(disabled=config.disabled_rules, detector=detector, channel=config.channel)
        scoped = config.scope.enabled and config.channel == "request" and detector is not None
        self._scope = ScopeMatcher(config.scope) if scoped else None
        # Every type is looked for: "allow" still reports the value in the verdict's `pii`, it only passes it on.
        detectors = SECRET_DETECTORS + PII_DETECTORS + INFRASTRUCTURE_DETECTORS
        self._detectors = DetectorSet(detectors, extra=[BLOB_HINT])
        self._blob_hint = len(detectors)

    @classmethod
    def from_config(cls, config: GuardrailsConfig | Mapping[str, Any] | None = None) -> InputGuardrails:
        if config is None or isinstance(config, GuardrailsConfig):
            return cls(config)
        return cls(GuardrailsConfig.model_validate(dict(config)))

    def check(self, text: str, *, vault: PseudonymVault | None = None, scope: bool = False) -> InputVerdict:
        """The verdict on `text`. `scope=True` for a new request: when it names nothing of this team's work and
        the learned detector reads it as something else, the answer is `out_of_scope` (unless it is flagged as
        an injection, which wins)."""
        started = time.perf_counter_ns()
        received = text
        limit = self.config.max_chars
        notes: list[str] = []
        if len(text) > limit:
            if self.config.oversize == "block":
                return InputVerdict(
                    action="block",
                    text="",
                    reasons=(f"the message is {len(text):,} characters long; the limit is {limit:,}",),
                    rules=(SIZE_RULE,),
                    latency_us=_since(started),
                )
            text = text[:limit]
            notes.append(f"cut to the first {limit:,} characters")
        normalized = normalize(text)
        notes.extend(normalized.changes)
        work = _neutralise_placeholders(normalized.text)
        data = work.encode("utf-8", "surrogatepass")
        matched = self._detectors.prefilter(data)  # one pass: which detectors may match, and any encoded blob
        scoped = scope and self._scope is not None
        injection = self._scanner.scan(work, data, decode=self._blob_hint in matched, scope=scoped)
        entities = self._detectors.find(work, data, matched)
        vault = vault if vault is not None or not entities else PseudonymVault()
        passed_on, pseudonyms, redacted_types, pseudonymised_types, neutralised = self._replace(
            normalized, entities, vault
        )
        if neutralised:
            notes.append("neutralised placeholder-like text")
        if redacted_types:
            notes.append(f"redacted {_count(redacted_types, 'secret')} ({', '.join(sorted(set(redacted_types)))})")
        if pseudonymised_types:
            kinds = ", ".join(sorted(set(pseudonymised_types)))
            notes.append(f"pseudonymised {_count(pseudonymised_types, 'personal data value')} ({kinds})")
        action: Action = "redact" if passed_on != received else "allow"
        if injection.score >= self.config.block_score:
            action = "block"
        elif injection.score >= self.config.escalate_score:
            action = strongest(action, "escalate")
        flagged = injection.score >= self.config.escalate_score  # weaker signals only show in `score`
        if scoped and not flagged and self._off_topic(work, injection.off_topic):
            action, notes = "out_of_scope", [out_of_scope_reason(self.config.scope)]
        injection_reasons = tuple(hit.reason for hit in injection.hits) if flagged else ()
        spans = tuple(
            Span(type=entity.type, start=start, end=end)
            for entity in entities
            for start, end in (normalized.original_span(entity.start, entity.end),)
        )
        return InputVerdict(
            action=action,
            text=passed_on,
            reasons=injection_reasons if action == "block" else injection_reasons + tuple(notes),
            rules=injection.rules if flagged else (SCOPE_RULE,) if action == "out_of_scope" else (),
            pii=spans,
            score=injection.score,
            latency_us=_since(started),
            pseudonyms=pseudonyms,
        )

    def _off_topic(self, text: str, probability: float) -> bool:
        assert self._scope is not None and self._detector is not None
        return probability >= self._detector.thresholds["scope.off_topic"] and not self._scope.in_scope(text)

    def _replace(
        self, normalized: Normalized, entities: list[Entity], vault: PseudonymVault | None
    ) -> tuple[str, dict[str, str], list[str], list[str], bool]:
        """The text as received, visible characters only, with each entity replaced at its span there, except the
        types the policy allows, which stay as written."""
        original = normalized.original
        pieces: list[str] = []
        pseudonyms: dict[str, str] = {}
        redacted: list[str] = []
        pseudonymised: list[str] = []
        neutralised = False

        def copy(start: int, end: int) -> None:
            nonlocal neutralised
            shown = visible(original[start:end])
            safe = _neutralise_placeholders(shown)
            neutralised = neutralised or safe != shown
            pieces.append(safe)

        copied = 0
        for entity in entities:
            policy = "redact" if entity.category == "secret" else self.config.entities.get(entity.type)
            if policy == "allow":
                continue  # copied with the text around it
            start, end = normalized.original_span(entity.start, entity.end)
            copy(copied, max(copied, start))
            if policy == "redact":
                pieces.append(f"[REDACTED:{entity.type}]")
                redacted.append(entity.type)
            else:
                assert vault is not None
                placeholder = vault.placeholder_for(entity.type, entity.value)
                pseudonyms.setdefault(placeholder, entity.value)
                pieces.append(placeholder)
                pseudonymised.append(entity.type)
            copied = max(copied, end)  # two entities in one edited character: the first one covers it
        copy(copied, len(original))
        return "".join(pieces), pseudonyms, redacted, pseudonymised, neutralised


def _neutralise_placeholders(text: str) -> str:
    """`<EMAIL_1>` typed by a person would be restored like a real placeholder; `‹EMAIL_1>` will not."""
    if "<" not in text:
        return text
    data = text.encode("utf-8", "surrogatepass")
    starts = [match.start() for match in _PLACEHOLDER_LIKE.finditer(data)]
    if not starts:
        return text
    chars = bytearray(data)
    pieces: list[bytes] = []
    copied = 0
    for start in starts:
        pieces.append(bytes(chars[copied:start]))
        pieces.append("‹".encode())
        copied = start + 1
    pieces.append(bytes(chars[copied:]))
    return b"".join(pieces).decode("utf-8", "surrogatepass")


def _count(types: list[str], noun: str) -> str:
    return f"1 {noun}" if len(types) == 1 else f"{len(types)} {noun}s"


def _since(started: int) -> int:
    return (time.perf_counter_ns() - started) // 1000
