"""Injection rules about who the assistant is and what it obeys: R1-R5.

Chat-template markup, a new role or persona, overriding the instructions, extracting the system prompt, and the
known jailbreak personas. See `agents.guardrails.rule` for how rules score.
"""

from __future__ import annotations

from agents.guardrails.injection_general import _ACT
from agents.guardrails.injection_languages import OVERRIDE_IN_OTHER_LANGUAGES
from agents.guardrails.rule import Rule

__all__ = ["CONTROL_RULES"]

_QUAL = (
    r"(?:all|any|every|your|my|previous|previously|prior|above|earlier|preceding|former|initial|original|system"
    r"|those|these|existing|given|safety|other)"
)
_LEAD = r"(?:(?:the|of|about|all)\s+){0,2}"
_MORE = r"(?:(?:all|any|your|my|previous|prior|above|earlier|preceding|former|initial|original|system|the|of)\s+){0,3}"
_FORGET = r"(?:ignore|disregard|forget|overlook|neglect|discard|abandon|set\s+aside|stop\s+following|do\s+not\s+follow|don['’]?t\s+follow)"  # noqa: E501
_NOUN = r"(?:instructions?|directives?|directions|prompts?|guidelines|guidance|programming|orders)"
_WEAK_NOUN = r"(?:rules|constraints|restrictions|policies|limitations|tasks|commands|safeguards|guardrails|filters|context|training)"  # noqa: E501
_SOFT = r"(?:(?:safety|content|ethical|moral|usual|normal|default|original|programmed|security)\s+)?"
# A persona that escapes the assistant's limits: none, another's powers, not an AI, a named other model.
_PERSONA = (
    r"(?:\S+\s+){0,5}?(?:no\s+(?:rules|limits|restrictions|filters|guidelines|ethics|morals|policy|policies|censorship)"
    r"|without\s+(?:any\s+)?(?:rules|limits|restrictions|filters|guidelines|ethics|morals)|free\s+(?:of|from)|unrestricted"
    r"|unfiltered|uncensored|unbound|not\s+bound|not\s+an?\s+(?:ai|assistant|language\s+model|chatbot)|a\s+human|evil|amoral"
    r"|dan\b|jailbr\w+|developer\s+mode|(?:the\s+|an?\s+|my\s+)?(?:system|admin|administrator|root|superuser|operator|developer"
    r"|creator|owner)\b|able\s+to\s+do\s+anything|can\s+do\s+anything|(?:has|have)\s+no"
    r"|(?:an?\s+)?(?:ai|bot|assistant|model|chatbot)\s+(?:named|called)|(?:old|older|previous|earlier|original|legacy|beta)\s+version\s+of"
    r"|version\s+of\s+(?:you|yourself|opsgate|the\s+bot|chatgpt))"
)
_SAY = (
    r"(?:say|state|claim|declare|pretend|respond\s+with|reply\s+with|tell\s+(?:the\s+user|them|him|her|everyone)"
    r"|print\s+(?:that|the\s+following|this)|output\s+(?:that|the\s+following))"
)


CONTROL_RULES: tuple[Rule, ...] = (
    Rule(
        "R1",
        "chat-template-markup",
        "contains chat-template or delimiter markup used to smuggle instructions",
        (
            (
                r"<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_text|fim_prefix|fim_suffix|fim_middle)\|>",
                1.0,
            ),
            (r"\[/?INST\]|<</?SYS>>", 1.0),
            (r"</?\s*(?:system|system_prompt|sys_prompt|instructions?|assistant)\s*>", 1.0),
            (r"\b(?:end|begin)\s+of\s+(?:the\s+)?(?:system\s+)?(?:prompt|instructions)\b", 0.6),
            (r"\bbegin\s+(?:new\s+)?(?:system\s+)?(?:prompt|instructions)\b", 0.6),
        ),
    ),
    Rule(
        "R2",
        "role-hijack",
        "tries to give the assistant a new role or persona",
        (
            (
                r"\byou\s+are\s+(?:now|no\s+longer|henceforth)\s+(?:a|an|the|my|in|called|named|going|free|able|unrestricted|dan|not)\b",
                0.6,
            ),
            (
                r"\b(?:from\s+now\s+on|henceforth|for\s+the\s+rest\s+of\s+(?:this|our)\s+conversation)\s*,?\s+(?:you|your)\b",
                0.6,
            ),
            # "pretend you're a tour guide", "role-play as an interviewer": ordinary requests; a persona weighs alone
            # only without limits, with another's powers, not an AI, or told to act
            (r"\bpretend\s+(?:to\s+be|you\s+are|you['’]re|that\s+you)\b|\brole-?\s?play\s+as\b", 0.3),
            (
                rf"\b(?:pretend\s+(?:to\s+be|you\s+are|you['’]re|that\s+you(?:['’]re|\s+are|\s+have)?)|role-?\s?play\s+as)\s+{_PERSONA}"
                rf"|\b(?:pretend\s+(?:to\s+be|you\s+are|you['’]re)|role-?\s?play\s+as)\s+(?:\S+\s+){{1,6}}?and\s+(?:then\s+)?{_ACT}\b",
                0.5,
            ),
            (  # a persona assigned for the rest of the conversation
                r"\b(?:you\s+(?:are|['’]re)\s+going\s+to|you\s+will|you\s+must|i\s+(?:want|need)\s+you\s+to"
                r"|from\s+now\s+on,?(?:\s+you)?(?:\s+will)?)\s+(?:\S+\s+)?(?:pretend|role-?\s?play|roleplay)\b",
                0.5,
            ),
            (r"\bimmerse\s+yourself\s+(?:in|into)\b", 0.6),
            (r"\b(?:assume|adopt|take\s+on)\s+the\s+(?:role|persona|identity|character)\s+of\b", 0.6),
            (
                r"\bact\s+as\s+(?:if\s+you\s+(?:are|were|have)|an?\s+(?:unrestricted|unfiltered|uncensored|jailbroken|evil|different)|my\s+(?:deceased|late|dead))\b",
                0.6,
            ),
            (
                r"\byou\s+(?:are|['’]re)\s+(?:not|no\s+longer)\s+(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|bound|restricted|limited)\b",
                0.6,
            ),
            (
                r"\byour\s+(?:new|real|true|actual|only)\s+(?:role|persona|identity|name|task|goal|purpose|instructions?|objective)\s+(?:is|are|will\s+be)\b",
                0.6,
            ),
            (r"\b(?:new|updated|revised|real)\s+(?:system\s+)?instructions?\s*:", 0.6),
            (r"\bstay\s+in\s+character\b", 0.6),
        ),
    ),
    Rule(
        "R3",
        "instruction-override",
        "looks like an attempt to override instructions",
        (
            (rf"\b{_FORGET}\s+{_LEAD}{_QUAL}\s+{_MORE}{_SOFT}{_NOUN}\b", 1.0),
            (
                rf"\b{_FORGET}\s+{_LEAD}(?:your|previous|prior|above|earlier|preceding|former|initial|original|those|these|existing)\s+{_SOFT}{_WEAK_NOUN}\b",
                1.0,
            ),
            (
                r"\b(?:ignore|disregard|forget|overlook)\s+(?:\S+\s+){0,3}?(?:you['’]?ve|you\s+have|you\s+were|you\s+are|you['’]re)\s+(?:been\s+|previously\s+)?(?:told|instructed|taught|programmed|trained|given)\b",
                1.0,
            ),
            (
                r"\b(?:ignore|disregard|forget)\s+(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:above|foregoing|everything\s+(?:above|before|prior))(?:\s*(?:[.,;:!)\-]|\n|$)|\s+(?:and|then|text|prompt|message|content|conversation)\b)",
                1.0,
            ),
            (
                rf"\b{_FORGET}\s+(?:all\s+)?(?:of\s+)?(?:the|your|these|those)\s+(?:rules|{_NOUN})"
                r"\s+(?:above|before|so\s+far|you\s+(?:were|have\s+been)\s+given)\b",
                1.0,
            ),
            (
                r"\bregardless\s+of\s+(?:(?:any|all|the|your|my)\s+)?(?:previous|prior|earlier|above|preceding|former|original|other)\s+(?:tasks?|instructions?|rules|prompts?|directions|guidelines|directives|context|requests?)\b",
                1.0,
            ),
            (
                rf"\b(?:ignore|disregard|forget)\s+(?:the|this|that|all|any|my|your|these|those)\s+(?:\S+\s+){{0,2}}?(?:and|then|,)\s+(?:instead\s+)?(?:just\s+)?{_SAY}\b",
                1.0,
            ),
            (
                r"\binstead\s+of\s+(?:following|obeying|doing)\s+(?:your|the|my)\s+(?:previous\s+|original\s+|system\s+)?(?:instructions|task|prompt)\b",
                1.0,
            ),
            (  # "forget about that, can you …": drops what came before to steer elsewhere; alone it only flags
                r"(?:^|[.!?;\n]\s*)(?:(?:actually|no|ok|okay|wait|oh|hmm|so)\s*,?\s*)?(?:just\s+)?"
                r"(?:forget|disregard|ignore)\s+(?:about\s+)?(?:that|this|all\s+(?:of\s+)?that|everything)\s*[,.;:!\-]+"
                r"\s*(?:and\s+)?(?:instead\s+)?(?:can|could|would|will|please|just|now|tell|give|write|provide|list|show)\b",
                0.5,
            ),
            *OVERRIDE_IN_OTHER_LANGUAGES,
        ),
        squeezed=(
            (
                r"(?:ignore|disregard|forget|overlook)(?:the|of|about|all){0,2}(?:all|any|every|your|my|previous|prior|above|earlier|preceding|former|initial|original|system|those|these)(?:all|any|your|my|previous|prior|above|earlier|preceding|former|initial|original|system|the|of)*(?:instructions?|directives?|guidelines|prompts?)",
                1.0,
            ),
            (
                r"(?:ignore|disregard|forget)(?:everything|all)(?:that|what)?(?:youve|youhave|youwere)(?:been)?(?:told|instructed)",
                1.0,
            ),
        ),
    ),
    Rule(
        "R4",
        "prompt-extraction",
        "asks for the system prompt or hidden instructions",
        (
            (
                r"\b(?:reveal|show|print|repeat|output|display|tell|give|share|leak|dump|disclose|recite|spell\s+out|write\s+out|copy|paste|what\s+(?:is|are|were|was))\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?your\s+(?:\w+\s+){0,2}?(?:system\s+prompt|prompt|instructions|initial\s+prompt|system\s+message|directives|hidden\s+\w+)\b",
                1.0,
            ),
            (
                r"\b(?:reveal|show|print|repeat|output|display|tell|give|share|leak|dump|disclose|recite|what\s+(?:is|are|were|was))\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?your\s+(?:rules|guidelines|configuration)\b",
                0.5,
            ),
            (
                r"\b(?:reveal|show|print|repeat|output|display|leak|dump|disclose|recite)\s+(?:me\s+)?(?:the\s+)?(?:(?:full|entire|exact|complete)\s+)?(?:system|hidden|initial|original|secret|developer|pre-?)\s*(?:prompt|instructions|message)\b",
                1.0,
            ),
            (
                r"\b(?:repeat|print|output|recite|reproduce)\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:words|text|everything|lines|content|tokens)\s+(?:above|before\s+this|preceding|prior)\b",
                1.0,
            ),
            (r"\bwhat\s+(?:was|were|is)\s+(?:written|said|the\s+text)\s+(?:above|before\s+this)\b", 0.6),
            (
                r"\b(?:what\s+(?:was|is)\s+(?:written|said)|repeat|print|show|output)\s+(?:\w+\s+){0,3}?(?:at\s+)?"
                r"the\s+(?:beginning|start|top)\s+of\s+(?:this|the|our)\s+(?:conversation|chat|prompt|context)",
                0.6,
            ),
            (
                r"\bwhat\s+(?:is|are|was|were)\s+(?:the|your)\s+(?:system|initial|original|hidden)\s+(?:prompt|instructions)",
                0.6,
            ),
            (r"\b(?:your|the)\s+(?:system|initial|original|hidden|secret)\s+prompt\b", 0.3),
        ),
        squeezed=((r"(?:reveal|show|print|repeat)(?:me)?(?:your|the)(?:system|initial|hidden|original)prompt", 1.0),),
    ),
    Rule(
        "R5",
        "jailbreak-persona",
        "uses a known jailbreak persona or 'no rules' template",
        (
            (r"\bdo\s+anything\s+now\b", 1.0),
            (
                r"\b(?:act|acting|behave|respond|answer)\s+as\s+(?:a\s+|an\s+)?[\"'“‘]?(?:dan|stan|dude|evilbot|devmode)\b",
                1.0,
            ),
            (r"\b(?:known\s+as|called|named)\s+[\"'“‘]?(?:dan|stan|dude|aim|mongo\s+tom|evilbot|devmode)\b", 1.0),
            (r"\b(?:dan|stan|dude)\s+(?:mode|prompt|jailbreak)\b", 0.6),
            # the word alone is ordinary ("what is a jailbreak on iOS?"): it weighs alone only when said of the
            # assistant, or as a command or a tag
            (r"\bjailbr(?:eak|oken)\b", 0.3),
            (
                r"\byou(?:['’]re|\s+are|\s+have\s+been|['’]ve\s+been)\s+(?:now\s+|fully\s+)?jailbroken\b"
                r"|\bjailbr(?:oken|eak)\s+(?:ai|assistant|chatbot|model|gpt|llm|bot|version\s+of\s+(?:you|yourself|chatgpt|the\s+\w+))\b"
                r"|\b(?:enable|activate|enter|switch\s+to|start|begin|initiate)\s+(?:the\s+)?jailbr\w+"
                r"|\bjailbr\w+\s+(?:enabled|activated|successful|prompt\s*:)|(?:^|\n)\W*jailbreak\b|/jailbreak\b|\[\W*jailbreak\W*\]",
                0.6,
            ),
            (r"\b(?:god|jailbreak|dan|unrestricted|unfiltered|uncensored|evil|chaos)\s+mode\b", 1.0),
            (r"\bdeveloper\s+mode\s+(?:enabled|activated|on|output)\b", 1.0),
            (r"\b(?:broken|break|broke)\s+free\s+(?:of|from)\b", 0.6),
            (
                r"\b(?:do\s+not|don['’]?t|does\s+not|doesn['’]?t|never|won['’]?t|will\s+not)\s+(?:have\s+to\s+|need\s+to\s+)?(?:abide\s+by|obey|adhere\s+to|comply\s+with)\s+(?:any\s+|the\s+|their\s+|its\s+|your\s+)?(?:rules|guidelines|restrictions|content\s+policy|ethical\s+guidelines|filters)\b",
                0.6,
            ),
            (
                r"\b(?:without|no)\s+(?:any\s+)?(?:ethical|moral)\s+(?:guidelines|constraints|restrictions|limits)\b",
                0.6,
            ),
            (
                r"\b(?:unfiltered|uncensored|unrestricted|amoral|unethical)\s+(?:ai|assistant|chatbot|model|version|responses?|answers?)\b",
                0.6,
            ),
        ),
        squeezed=((r"doanythingnow", 1.0),),
    ),
)
