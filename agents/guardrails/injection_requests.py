"""Injection rules about what a request asks for or claims: R6-R10.

Passwords and secrets, authority over the assistant, skipping approval or faking a tool call, special modes,
and other people's personal data. Most weigh less than 1.0: they block only together. See
`agents.guardrails.rule` for how rules score.
"""

from __future__ import annotations

from agents.guardrails.injection_chatops import AUTHORITY_CLAIMS
from agents.guardrails.injection_languages import CREDENTIAL_REQUEST_IN_OTHER_LANGUAGES
from agents.guardrails.rule import Rule

__all__ = ["REQUEST_RULES"]

_ROLE = r"(?:developer|creator|maker|programmer|owner|master|admin|administrator|operator|trainer|designer|god|boss|supervisor|maintainer)"  # noqa: E501
_SECRET = r"(?:password|passcode|passphrase|pass\s+phrase|secret\s+key|secret|api\s+key|credentials|private\s+key|pin)"

REQUEST_RULES: tuple[Rule, ...] = (
    Rule(
        "R6",
        "credential-request",
        "asks the assistant to reveal a password or secret",
        (
            (rf"\b(?:what|tell\s+me|know)\s+(?:your|the)\s+(?:\w+\s+)?{_SECRET}\s+(?:is|was)\b", 0.6),
            *CREDENTIAL_REQUEST_IN_OTHER_LANGUAGES,
            (
                rf"\b(?:confirm|provide|share|reveal|tell\s+me|tell\s+us|give\s+me|give\s+us|disclose|send\s+me|show\s+me|what\s+is|what['’]s|what\s+are|spell\s+out)\s+(?:me\s+)?(?:your|the|our|its)\s+(?:\w+\s+){{0,2}}?{_SECRET}s?\s*(?:[?.!,]|$|\n|with\s+(?:me|us)|for\s+(?:this|our|the|your)\s+(?:system|mode|account|audit|upgrade|check))",
                0.6,
            ),
        ),
    ),
    Rule(
        "R7",
        "authority-claim",
        "claims special authority over the assistant",
        (
            (rf"\b(?:i\s+am|i['’]m|this\s+is)\s+your\s+{_ROLE}\b|\bas\s+your\s+{_ROLE}\b", 0.6),
            (r"\b(?:i\s+am|i['’]m)\s+(?:(?:a|the|your)\s+)?god\b", 0.6),
            (
                r"\byou\s+(?:must|have\s+to|will|shall|are\s+required\s+to)\s+(?:now\s+)?(?:obey|listen\s+to|comply\s+with|follow|answer)\s+(?:all\s+|every\s+|whatever\s+|exactly\s+)?(?:of\s+)?(?:my|me|i\s+say|what\s+i)\b",
                0.6,
            ),
            (r"\b(?:do|does|will\s+do)\s+(?:exactly|whatever|anything)\s+(?:as|what)?\s*i\s+(?:say|tell|ask)\b", 0.5),
            (
                r"\bas\s+an?\s+(?:ai|language\s+model|assistant|llm)\s+(?:developed|created|built|trained|made)\s+by\b",
                0.4,
            ),
            (r"\b(?:i\s+am|i['’]m)\s+(?:a|the|your)\s+developer\s+(?:running|performing|doing|conducting)\b", 0.4),
            (
                r"\b(?:i\s+am|i['’]m)\s+(?:(?:a|an|the)\s+)?(?:president|ceo|police|fbi|cia|law\s+enforcement|government)\b",
                0.3,
            ),
            *AUTHORITY_CLAIMS,
        ),
    ),
    Rule(
        "R8",
        "approval-bypass",
        "tries to skip approval or fake a tool or approval directive",
        (
            (
                r"\b(?:skip|bypass|disable|turn\s+off|circumvent|no\s+need\s+for|don['’]?t\s+(?:need|ask\s+for|wait\s+for)|do\s+not\s+(?:need|ask\s+for|wait\s+for))\s+(?:the\s+|any\s+|all\s+|an\s+)?(?:human\s+)?(?:approvals?|approvers?|sign-?offs?|human\s+review|two-person\s+rule|four-eyes\s+\w+|guardrails?|safety\s+checks?)\b",
                1.0,
            ),
            (
                r"\b(?:approve|accept)\s+(?:all|every|any|each)\s+(?:of\s+)?(?:the\s+)?(?:(?:pending|outstanding|open|queued|waiting|current)\s+)?(?:approvals?|requests?|actions?|changes?|tool\s+calls?|cards?)\b",
                1.0,
            ),
            (
                r"\b(?:mark|treat|consider|record)\s+(?:(?:this|it|that)(?:\s+\w+)?|the\s+\w+)\s+as\s+(?:already\s+)?(?:pre-?)?(?:approved|authori[sz]ed)\b",
                1.0,
            ),
            (
                r"\b(?:this|the|that|my)\s+(?:request|action|change|call|command|task|operation)\s+(?:is|was|has\s+been)\s+(?:already\s+)?(?:pre-?)?(?:approved|authori[sz]ed)\b",
                0.5,
            ),
            (
                r"<\s*/?\s*(?:tool_call|tool_use|function_call|function_calls|invoke|tool_result|function_results)\b",
                1.0,
            ),
            (r"\"(?:type)\"\s*:\s*\"tool_(?:use|result)\"|\"(?:tool_use_id|tool_call_id)\"\s*:", 1.0),
            (r"\b(?:approval|approved)\s*[:=]\s*(?:true|yes|granted)\b", 0.6),
        ),
        squeezed=(
            (r"(?:skip|bypass|circumvent)(?:the|any|all)?(?:human)?(?:approvals?|humanreview|signoff)", 1.0),
            (r"approve(?:all|every)(?:the)?pending", 1.0),
        ),
    ),
    Rule(
        "R9",
        "mode-switch",
        "tries to switch the assistant into a special mode",
        (
            (
                r"[<\[{]\s*/?\\?\s*(?:[a-z]+[\s_-]+){0,4}?(?:system|god|admin|developer|root|sudo|jailbreak|dan|override|unrestricted|unfiltered)[\s_-]+(?:mode|override|prompt)(?:[\s_-]+[a-z]+){0,3}\s*[>\]}]",
                1.0,
            ),
            (r"\b(?:system|god|developer|dan|jailbreak|admin)\s+mode\s+(?:activated|enabled|engaged|unlocked)\b", 1.0),
            (
                r"\boverride\s+mode\b|\b(?:security|admin|administrator|developer|system|emergency|law\s+enforcement|god|root|sudo|master|data)\s+override\b",
                0.5,
            ),
            (
                r"\b(?:i\s+am|i['’]m|we\s+are|we['’]re)\s+(?:now\s+)?(?:entering|activating|initiating|switching\s+(?:to|into)|putting\s+you\s+(?:in|into)|engaging)\s+(?:a\s+|an\s+|the\s+)?(?:\S+\s+){0,4}?['\"‘“]?\S*\s*mode\b",
                0.4,
            ),
        ),
    ),
    Rule(
        "R10",
        "personal-data-request",
        "asks for someone's personal data",
        (
            (
                r"\bwhere\s+(?:does|do|did)\s+(?:the|this|that|our|my)\s+(?:user|customer|client|person|employee|patient)\s+(?:currently\s+|now\s+)?live",
                0.4,
            ),
            (r"\bwhere\s+(?:the|this)\s+(?:user|customer|client)\s+lives\b", 0.4),
            (
                r"\b(?:the|this|that)\s+(?:user|customer|client|employee|patient)['’]s\s+(?:home\s+|email\s+|e-mail\s+|current\s+|physical\s+)?(?:address|email|phone|password|location|city|residence|whereabouts|ssn|social\s+security|bank|balance|date\s+of\s+birth|birth\s*date)",
                0.4,
            ),
            (r"\bbank\s+balances?\b", 0.4),
            (
                r"\b(?:list|dump|export|give\s+me|send)\s+(?:me\s+)?(?:the\s+|a\s+)?(?:full\s+)?(?:list\s+of\s+)?(?:all\s+)?(?:users|customers|employees|clients)\s+(?:and|with)\s+(?:their\s+)?(?:passwords?|emails?|balances?|addresses|ssns?|salaries|bank)",
                0.6,
            ),
        ),
    ),
)
