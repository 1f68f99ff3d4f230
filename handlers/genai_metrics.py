"""gen_ai client metrics for model calls: token counts and call duration, beside the `chat {model}` spans.

Two namings exist, and `draft_names` picks one (never both, so no dashboard counts a call twice). The published
one, from semantic-conventions v1.41 and earlier, is what backends chart today: `gen_ai.client.token.usage` split by
`gen_ai.token.type`, and `gen_ai.client.operation.duration`. The draft in open-telemetry/semantic-conventions-genai
(its migration guide; PRs #374 and #521) replaces the first with the per-call histograms
`gen_ai.client.inference.operation.{input,output}_tokens` plus the counters
`gen_ai.client.inference.usage.{input,output}_tokens`, and the second with `gen_ai.client.inference.duration`.
The names are spelled here because the semantic-conventions package's `GEN_AI_*` constants are deprecated.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from opentelemetry import metrics as otel_metrics
from opentelemetry.metrics import Meter
from opentelemetry.util.types import AttributeValue

__all__ = [
    "DRAFT_INFERENCE_DURATION",
    "DRAFT_OPERATION_INPUT_TOKENS",
    "DRAFT_OPERATION_OUTPUT_TOKENS",
    "DRAFT_USAGE_INPUT_TOKENS",
    "DRAFT_USAGE_OUTPUT_TOKENS",
    "DURATION_BUCKETS",
    "METER_NAME",
    "OPERATION_DURATION",
    "TOKEN_BUCKETS",
    "TOKEN_USAGE",
    "GenAiMetrics",
    "metrics",
    "use_draft_names",
]

METER_NAME = "opsgate.handlers"

TOKEN_USAGE = "gen_ai.client.token.usage"
OPERATION_DURATION = "gen_ai.client.operation.duration"
DRAFT_INFERENCE_DURATION = "gen_ai.client.inference.duration"
DRAFT_OPERATION_INPUT_TOKENS = "gen_ai.client.inference.operation.input_tokens"
DRAFT_OPERATION_OUTPUT_TOKENS = "gen_ai.client.inference.operation.output_tokens"
DRAFT_USAGE_INPUT_TOKENS = "gen_ai.client.inference.usage.input_tokens"
DRAFT_USAGE_OUTPUT_TOKENS = "gen_ai.client.inference.usage.output_tokens"

TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)

_OPERATION = "gen_ai.operation.name"
_PROVIDER = "gen_ai.provider.name"
_REQUEST_MODEL = "gen_ai.request.model"
_RESPONSE_MODEL = "gen_ai.response.model"
_TOKEN_TYPE = "gen_ai.token.type"
_TOKEN_MODALITY = "gen_ai.token.modality"
_ERROR_TYPE = "error.type"

Attributes = Mapping[str, AttributeValue]


class GenAiMetrics:
    """The gen_ai client instruments on one meter; call `record_chat` once per model call, failed or not."""

    def __init__(self, meter: Meter, *, draft_names: bool = False) -> None:
        self.draft_names = draft_names
        self._duration = meter.create_histogram(
            DRAFT_INFERENCE_DURATION if draft_names else OPERATION_DURATION,
            unit="s",
            description="GenAI client inference operation duration." if draft_names else "GenAI operation duration.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self._tokens = _DraftTokens(meter) if draft_names else _PublishedTokens(meter)

    def record_chat(
        self,
        *,
        provider: str,
        request_model: str,
        response_model: str | None,
        input_tokens: int,
        output_tokens: int,
        duration_s: float,
        error_type: str | None = None,
    ) -> None:
        """Record one model call: its duration always, its token counts as the chosen naming says.

        `input_tokens` is all the input the provider billed: for Anthropic the caller sums input, cache read and
        cache creation tokens, as for the span's `gen_ai.usage.input_tokens`. `error_type` (the `ModelError` kind,
        say) marks a failed call, which records no token usage under the published names; the draft asks for its
        counts anyway (0 when no response came back).
        """
        attributes: dict[str, AttributeValue] = {
            _OPERATION: "chat",
            _PROVIDER: provider,
            _REQUEST_MODEL: request_model,
        }
        if response_model is not None:
            attributes[_RESPONSE_MODEL] = response_model
        if error_type is not None:
            attributes[_ERROR_TYPE] = error_type
        self._duration.record(duration_s, attributes)
        self._tokens.record(input_tokens, output_tokens, attributes, failed=error_type is not None)


class _PublishedTokens:
    def __init__(self, meter: Meter) -> None:
        self._usage = _token_histogram(meter, TOKEN_USAGE, "Number of input and output tokens used.")

    def record(self, input_tokens: int, output_tokens: int, attributes: Attributes, *, failed: bool) -> None:
        if failed:
            return
        self._usage.record(input_tokens, {**attributes, _TOKEN_TYPE: "input"})
        self._usage.record(output_tokens, {**attributes, _TOKEN_TYPE: "output"})


class _DraftTokens:
    """Per-call histograms for percentiles, counters for totals and rates (the draft keeps the two apart)."""

    def __init__(self, meter: Meter) -> None:
        self._input = _token_histogram(meter, DRAFT_OPERATION_INPUT_TOKENS, "Input tokens per inference operation.")
        self._output = _token_histogram(meter, DRAFT_OPERATION_OUTPUT_TOKENS, "Output tokens per inference operation.")
        self._input_usage = meter.create_counter(
            DRAFT_USAGE_INPUT_TOKENS, unit="{token}", description="Input tokens used, including cached tokens."
        )
        self._output_usage = meter.create_counter(
            DRAFT_USAGE_OUTPUT_TOKENS, unit="{token}", description="Output tokens used, including reasoning tokens."
        )

    def record(self, input_tokens: int, output_tokens: int, attributes: Attributes, *, failed: bool) -> None:
        # Failed calls too: the draft wants every inference operation in the token distributions.
        self._input.record(input_tokens, attributes)
        self._output.record(output_tokens, attributes)
        # The counters carry no error.type, and a modality instead: "unknown", since the provider reports no
        # breakdown by modality and the draft says not to guess "text".
        usage = {key: value for key, value in attributes.items() if key != _ERROR_TYPE}
        usage[_TOKEN_MODALITY] = "unknown"
        self._input_usage.add(input_tokens, usage)
        self._output_usage.add(output_tokens, usage)


def _token_histogram(meter: Meter, name: str, description: str) -> otel_metrics.Histogram:
    return meter.create_histogram(
        name, unit="{token}", description=description, explicit_bucket_boundaries_advisory=TOKEN_BUCKETS
    )


_draft_names = False


def use_draft_names(enabled: bool) -> None:
    """Choose the naming `metrics()` returns from now on; the composition root calls this once, from settings."""
    global _draft_names
    _draft_names = enabled


def metrics() -> GenAiMetrics:
    """The process-wide instruments on the global meter, so handlers record without plumbing.

    Until a provider is installed the global meter is the API's proxy: recordings are dropped, and instruments made
    early are connected to the provider once it is installed.
    """
    return _metrics_for(_draft_names)


@cache
def _metrics_for(draft_names: bool) -> GenAiMetrics:
    return GenAiMetrics(otel_metrics.get_meter(METER_NAME), draft_names=draft_names)
