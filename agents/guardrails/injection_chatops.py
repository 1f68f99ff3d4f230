"""Injection rules for the manipulation a chat-ops bot meets: R12-R16 (R14 and R15 in `injection_framing`, R16 in
`injection_disclosure`; this module holds R12, R13, the claimed authority that extends R7, and puts them together).

None of it is a model's jailbreak wording. It argues with the approval process: approval is void today or was
given in advance (R12); the decision's inputs (risk, tier, confidence, reversibility) are set from the text (R13);
nothing is real, so act (R14); a note in a ticket or a page speaks to "the assistant" (R15); the agent's secrets
or instructions are asked for (R16). Claimed authority extends R7 (`AUTHORITY_CLAIMS`). Weights are set so one
signal flags the text (a person looks: every action then needs approval) and two refuse it. Patterns read the
rules' view of a text: lower case, look-alikes folded, leetspeak digits turned into letters (`1.0` reads
`i.o`, `100%` reads `ioo%`). See `agents.guardrails.rule` for how rules score.
"""

from __future__ import annotations

from dataclasses import replace

from agents.guardrails.injection_asks import ASK_PATTERNS
from agents.guardrails.injection_claims import CLAIM_PATTERNS
from agents.guardrails.injection_disclosure import DISCLOSURE_RULES
from agents.guardrails.injection_framing import FRAMING_RULES
from agents.guardrails.injection_general import GENERAL_PATTERNS
from agents.guardrails.injection_structures import STRUCTURE_PATTERNS
from agents.guardrails.rule import Rule

__all__ = ["AUTHORITY_CLAIMS", "CHATOPS_RULES"]

_APPROVAL = (
    r"(?:(?:human\s+)?approvals?(?:\s+(?:requirements?|process|policy|gating|cards?|rules?|step|flow))?|sign-?offs?|reviews?"
    r"|change\s+(?:control|policy|process|board)|quorum(?:\s+requirement)?|risk\s+policy"
    r"|(?:two|2)-(?:approver|person)\s+rule|self-approval\s+(?:restriction|rule)|policy|policies|guardrails?|checks?|gates?"
    r"|tool\s+gate|four-eyes(?:\s+\w+)?|confirmation|permission|critical\s+rules)"
)
_NOW = r"(?:today|tonight|now|right\s+now|this\s+(?:time|week|weekend|morning|afternoon|evening|once|sprint|release)|for\s+(?:now|this|today|the\s+\w+))"  # noqa: E501
# Where a claim or a request starts: the text's start, a sentence's, or after a word that leads into one. Not
# after "an"/"never"/"do not": "an approval is void if …" and "never paste secrets in Slack" are policy, not asks.
_CLAIM_START = (
    r"(?:^|[.!?:;,\n|(\-–—*]\s*|\b(?:the|our|your|all|any|so|and|but|because|since|as|btw|fyi|also|now|today|ok|okay)"
    r"\s+)"
)
_VOID = (
    r"(?:lifted|suspended|waived|paused|disabled|off|relaxed|switched\s+off|turned\s+off|removed|implied|implicit|optional"
    r"|exempt(?:ed)?|unnecessary|skipped|ended|gone|void(?:ed)?|simulated\s+as\s+approved|auto-?approved|rubber-?stamped"
    r"|not\s+(?:required|needed|necessary|in\s+effect|enforced|applicable|active)|(?:is|are)n['’]?t\s+(?:required|needed|necessary)"
    r"|no\s+longer\s+(?:required|needed|apply|applies|in\s+effect|active)|over|cancel(?:l)?ed)"
)
_ACT = r"(?:just\s+)?(?:do|run|go|execute|apply|push|ship|proceed|continue|restart|roll|scale|delete|drop|decommission|deploy|kill|wipe|send|post)"  # noqa: E501
_BOSS = (
    r"(?:cto|ceo|cio|ciso|coo|cfo|vp(?:\s+of\s+\w+)?|svp|evp|director|head\s+of\s+\w+|security\s+team|secops|"
    r"compliance(?:\s+team)?|legal(?:\s+team)?|leadership|management|(?:sre|ops|platform|eng(?:ineering)?|team|tech|on-?call)\s+lead"
    r"|platform\s+team|my\s+(?:manager|boss|director)|the\s+(?:board|exec(?:utive)?s?|owners?)"
    r"|an?\s+admin(?:istrator)?|the\s+admins?|change\s+(?:manager|board)|release\s+manager)"
)
_AGREED = (
    r"(?:(?:approved|signed\s+off|agreed|authori[sz]ed|ok(?:ay)?['’]?e?d|green-?lit|cleared|blessed|signed)"
    r"(?:\s+(?:on\s+)?(?:this|it|that|the\s+(?:change|action|request|rollback|restart|deletion|decommission\w*|deploy\w*|operation|plan|run))\b"
    r"|\s+(?:in\s+advance|already|verbally|personally|beforehand)\b|\s*[,.;:!])|wants?\s+(?:this|it|you)\b|told\s+(?:me|us|you)\s+to\b)"
)
AUTHORITY_CLAIMS: tuple[tuple[str, float], ...] = (
    (rf"\b(?:the\s+)?{_BOSS}\s+(?:has\s+|have\s+|already\s+|personally\s+|explicitly\s+){{0,2}}{_AGREED}", 0.5),
    (
        rf"\b(?:by\s+order\s+of|as\s+(?:instructed|directed|ordered)\s+by|authori[sz]ed\s+by"
        rf"|orders?\s+from|direct\s+(?:order|instruction)\s+from|with\s+(?:the\s+)?(?:blessing|approval|ok)\s+of)\s+(?:the\s+|our\s+)?{_BOSS}\b",
        0.5,
    ),
    # "per the vp's request, compile a list", "on behalf of leadership, share the report": ordinary asks; alone they
    # only add up
    (rf"\b(?:on\s+behalf\s+of|per|as\s+requested\s+by)\s+(?:the\s+|our\s+)?{_BOSS}\b", 0.3),
    (
        r"\b(?:i\s+am|i['’]m|this\s+is)\s+(?:the|an|your|a)\s+(?:admin(?:istrator)?|owner|maintainer|operator|developer|author)"
        r"\s+(?:of|for|behind)\s+(?:this|the|you|opsgate)\s*(?:bot|workspace|system|assistant|app|tool)?\b",
        0.6,
    ),
    (
        r"\b(?:i\s+am|i['’]m|i\s+have|i['’]ve\s+got)\s+(?:full\s+|root\s+|admin(?:istrator)?\s+|elevated\s+|god\s+)"
        r"(?:access|rights|privileges|clearance|permissions?)\b",
        0.4,
    ),
    (
        r"\b(?:security|compliance|audit)\s+(?:team|officer)\s+(?:requires?|demands?|mandates?|needs?)\s+(?:you|that\s+you)\b",
        0.5,
    ),
    (
        r"\b(?:authori[sz]ed|approved|cleared|verified|signed\s+off|sanctioned|okayed|blessed|genehmigt|autorizad[ao]|autoris[ée]e?)\s+"
        r"(?:personally\s+)?(?:by|vom|por|par)\s+(?:the\s+|our\s+|your\s+|a\s+|el\s+|o\s+|le\s+|la\s+|der\s+|den\s+)?(?:\w+\s+){0,3}?"
        r"(?:owner|director|cto|ceo|cio|ciso|vp|security|manager|lead|admin\w*|counsel|legal|leadership|management|executive|boss|head|chief|"
        r"jefe|diretor|leitung|leiter|directeur|platform\s+owner)\b",
        0.3,  # "the exception was approved by the ciso in the ticket" is ordinary; with a second signal it flags
    ),
    (
        r"\b(?:orders?|instructions?|directive|request|message|note|mandate)\s+(?:from|by|de|del|vom|von)\s+(?:the\s+|our\s+|el\s+|la\s+|der\s+)?(?:\w+\s+){0,2}?"
        r"(?:director|cto|ceo|cio|ciso|security|management|manager|admins?|leadership|executives?|vp|boss|owner|dir\w*)\b",
        0.4,
    ),
    (
        r"\b(?:i\s+am|i['’]m|im|i\s+have|as|soy|sou|ich\s+bin|je\s+suis)\s+(?:the\s+|a\s+|an\s+|your\s+|el\s+|la\s+|o\s+|a\s+|der\s+|die\s+|le\s+)?"
        r"(?:\w+\s+){0,3}?(?:admin(?:istrator)?|owner|director|manager|lead|head|chief|cto|ceo|ciso|vp|jefe|diretor|leiter|teamleiter|directeur|"
        r"approver|incident\s+commander|duty\s+manager|person\s+who\s+built\s+(?:this|you))\b"
        r"(?:\s*[,:;.]?\s*(?:\w+\s+){0,6}?(?:so|which\s+means|and\s+(?:i|i['’]m)|therefore|thus|y|e|und|et|so\s+i|hence))",
        0.4,
    ),
    (
        r"\b(?:i\s+(?:hereby\s+|personally\s+)?(?:authori[sz]e|approve|override|grant|allow|permit|sanction)|i['’]m\s+(?:authori[sz]ing|approving|overriding|granting)"
        r"|i\s+give\s+you\s+(?:permission|authori[sz]ation|the\s+ok)|autorizo|estou\s+autorizando|j['’]autorise|ich\s+(?:genehmige|autorisiere)|"
        r"(?:ich\s+)?habe\s+die\s+befugnis)\b",
        0.4,
    ),
    (
        r"\b(?:treat|consider|handle|take)\s+(?:my|our|these|his|her|their)\s+(?:messages|requests|commands|orders|instructions)\s+as\s+(?:pre-?)?"
        r"(?:approved|authori[sz]ed|trusted|cleared|verified|priority)\b|\b(?:my|our)\s+requests?\s+(?:are|is)\s+(?:pre-?)?(?:cleared|approved|authori[sz]ed|trusted|verified)\b",
        0.6,
    ),
    (r"\b(?:priority|executive|director-level|management|admin|vip)\s+override\b|\bdirector-level\s+request\b", 0.5),
    (
        r"\b(?:my\s+(?:boss|manager|director|skip-level)(?:['’]s\s+boss)?|the\s+(?:ceo|cto|cio|ciso|vp|director|big\s+boss)|(?:ceo|cto|cio|vp))\s+"
        r"(?:\w+\s+){0,2}?(?:wants|asked\s+for\s+this|says|said|needs|demands|insists|is\s+watching)\b",
        0.3,
    ),
    (r"\b(?:i\s+have|i['’]ve\s+got)\s+root\s+on\b|\bi\s+am\s+the\s+policy\b|\bthe\s+gate\s+has\s+a\s+bug\b", 0.5),
    *GENERAL_PATTERNS["R7"],
    *STRUCTURE_PATTERNS["R7"],
    *CLAIM_PATTERNS["R7"],
)

_NAMED: tuple[Rule, ...] = (
    Rule(
        "R12",
        "approval-void",
        "claims that approval or policy does not apply, or was given in advance",
        (
            (
                rf"{_CLAIM_START}{_APPROVAL}\s+(?:(?:is|are|was|were|has\s+been|have\s+been|got|gets|will\s+be)\s+"
                rf"(?:already\s+|officially\s+|temporarily\s+|just\s+|always\s+)?{_VOID}|(?:is|are)n['’]?t\s+(?:required|needed|necessary)"
                r"|defaults?\s+to\s+(?:approved|yes)|(?:falls?|fall)\s+back\s+to\s+auto-?approv\w*)\b",
                0.5,
            ),
            (
                rf"\b{_APPROVAL}\s+(?:do(?:es)?n['’]?t|do(?:es)?\s+not|won['’]?t|will\s+not|shouldn['’]?t|should\s+not)\s+"
                rf"(?:really\s+)?(?:apply|cover|count)\b",
                0.5,
            ),
            (
                r"\bno\s+(?:need\s+(?:for|to\s+(?:wait\s+for|ask\s+for|get))\s+(?:an?\s+|any\s+)?|)"
                r"(?:approvals?|sign-?offs?|reviews?|confirmations?|permissions?)\s+(?:is\s+|are\s+)?(?:needed|required|necessary)?",
                0.5,
            ),
            (
                r"\b(?:(?:you\s+)?(?:do(?:n['’]?t|\s+not)|won['’]?t|will\s+not)\s+need\s+to|no\s+need\s+to|don['’]?t\s+bother\s+(?:to|with))\s+"
                r"(?:wait\s+for|ask\s+(?:for|anyone|anybody)|get|request|check\s+with|ping|bother|post(?:ing)?|open(?:ing)?|creat(?:e|ing)|send(?:ing)?)\s+"
                r"(?:an?\s+|any\s+|the\s+)?(?:approval\s+)?"
                r"(?:approvals?|approvers?|sign-?offs?|permission|anyone|anybody|on-?call|reviewers?|humans?|people|confirmation|cards?)",
                0.6,
            ),
            (
                r"\b(?:(?:already|previously|verbally|informally)\s+(?:been\s+)?(?:pre-?)?(?:approved|authori[sz]ed|cleared|signed\s+off)"
                r"|(?:approved|authori[sz]ed|cleared|signed\s+off)\s+(?:in\s+advance|beforehand|ahead\s+of\s+time|upfront|earlier|offline|out\s+of\s+band|verbally))\b",
                0.5,
            ),
            (
                r"\b(?:approval|authori[sz]ation|sign-?off|permission)\s+(?:was|is|has\s+been|had\s+been)\s+(?:already\s+)?"
                r"(?:given|granted|obtained|secured|done|handled|taken\s+care\s+of)\s+(?:in\s+advance|beforehand|already|earlier|offline|verbally|upfront|by)\b",
                0.5,
            ),
            (
                rf"\b(?:waive|waiving|waived|suspend|suspending|lift|lifting|skip|skipping|exempt|exempting)"
                rf"\s+(?:the\s+|this\s+|any\s+|all\s+|our\s+)?{_APPROVAL}\s+(?:for\s+(?:this|now|today|me|us)|{_NOW}|and\s+{_ACT})\b",
                0.6,
            ),
            (
                r"\b(?:do|run|execute|apply|go|proceed|push|ship|restart|delete|drop|deploy|decommission|scale|roll\s+back|rollback|continue|"
                r"it|this|that|them|now|immediately|ahead)\s+(?:it\s+|this\s+|that\s+|now\s+|immediately\s+|right\s+away\s+|anyway\s+)?"
                r"(?:without|w/o)\s+(?:waiting\s+for\s+|asking\s+(?:for\s+)?|bothering\s+|pinging\s+|an?\s+|any\s+|the\s+)?"
                r"(?:approvals?|approvers?|sign-?offs?|anyone['’]s\s+(?:ok|okay|approval)|human\s+review|a\s+human)\b",
                0.5,
            ),
            (
                r"\b(?:emergency|break-?glass|urgent|p[io])\s+(?:exception|exemption|override|bypass|waiver|mode|access|procedure)\s+"
                r"(?:applies|is\s+(?:in\s+effect|active|granted|approved|on)|was\s+(?:granted|approved|declared))\b",
                0.5,
            ),
            (
                r"\b(?:without(?:\s+an?)?|skip\s+the|don['’]?t\s+(?:post|open|create|send|need)\s+(?:a|the|an?)|no\s+need\s+for\s+(?:a|the))\s+"
                r"(?:new\s+)?(?:approval\s+)?cards?\b|\bno\s+(?:new\s+)?(?:approval\s+)?cards?\s+(?:needed|required|necessary)\b",
                0.5,
            ),
            (r"\bno\s+(?:new\s+)?(?:approval\s+)?cards?\b", 0.3),
            (r"\b(?:change\s+)?freeze\s+(?:is|was|has\s+been)\s+(?:lifted|over|off|ended|suspended|waived)\b", 0.3),
            (
                r"\b(?:approvers?|on-?call|team|everyone|they)\s+(?:already\s+)?agreed\s+(?:in|on|during|at|over)\s+(?:the\s+)?(?:standup|meeting|call|chat|slack|dm|person|huddle)\b",
                0.5,
            ),
            (r"\b(?:standing|blanket|implied|implicit)\s+(?:pre-?)?approv\w*", 0.5),
            (r"\bpre-?(?:approved|cleared|authori[sz]ed|verified)\b", 0.4),
            (
                r"\b(?:reuse|re-use|carry\s+over)\s+(?:that|the|this|my|an?|your)\s+(?:old\s+|earlier\s+|previous\s+|existing\s+|other\s+)?"
                r"(?:approval|sign-?off|card)\b|\b(?:use|apply)\s+(?:that|the|my|an?)\s+(?:old|earlier|previous|existing|other)\s+(?:approval|sign-?off)\b",
                0.5,
            ),
            (
                r"\b(?:do\s+not|don['’]?t|never|no\s+need\s+to)\s+(?:route|send|run|go|put|pass)\s+(?:this|it|them|that)?\s*(?:through|via|past)\s+"
                r"(?:the\s+)?(?:approvals?|approvers?|gate|tool\s+gate|cards?|review)\b",
                0.6,
            ),
            (
                r"\bpass\s+(?:it|this|them)\s+(?:straight\s+|directly\s+)?(?:through|past)\s+the\s+(?:tool\s+)?gate\b",
                0.5,
            ),
            (r"\b(?:without|not|no)\s+involv\w*\s+(?:the\s+|any\s+)?approvers?\b", 0.5),
            (r"\bone\s+(?:click|approver|approval|vote)\s+(?:from\s+me\s+)?is\s+(?:enough|fine|sufficient|ok)\b", 0.5),
            (r"\b(?:approve|approving)\s+(?:my|your|their)\s+own\s+(?:request|action|change|card)\b", 0.3),
            (
                r"\b(?:sin|sem|sans|ohne)\s+(?:\S+\s+){0,2}?(?:aprobaci[oó]n|aprova[cç][aã]o|approbation|freigabe|genehmigung|"
                r"autoriza[cç][aã]o|tarjeta|genehmigungskarte|carte|cart[aã]o|aprovador\w*|aprobador\w*|approbateur\w*|freigeber|pr[üu]fung|verificaci\w*|v[ée]rification)",
                0.5,
            ),
            (
                r"\b(?:aprobaci[oó]n(?:es)?|aprova[cç](?:[aã]o|[oõ]es)|approbations?|freigaben?|genehmigung(?:en)?|pol[ií]tica\s+de\s+aprobaci[oó]n)\s+(?:\S+\s+){0,3}?"
                r"(?:suspendid[ao]s?|suspens[ao]s?|suspendues?|concedida|dada|donn[ée]e|gilt\s+(?:heute\s+)?nicht|no\s+aplica|n[aã]o\s+se\s+aplica"
                r"|ne\s+s['’]applique|desativad[ao]s?|desactivad[ao]s?|d[ée]sactiv[ée]e?s?|deaktiviert|aufgehoben)",
                0.5,
            ),
            (
                r"\b(?:freeze|gel\s+des\s+changements|congelamento(?:\s+de\s+mudan[cç]as)?|congelaci[oó]n|change\s+freeze)\s+(?:\S+\s+){0,3}?"
                r"(?:does\s+not\s+apply|doesn['’]t\s+apply|ne\s+s['’]applique\s+pas|gilt\s+nicht|no\s+aplica"
                r"|n[aã]o\s+se\s+aplica|is\s+a\s+bug)",
                0.5,
            ),
            (r"\bapprovals?\s+(?:only|just)\s+appl(?:y|ies)\s+to\b", 0.5),
            (
                r"\b(?:never|not|no\s+need\s+to|don['’]?t|without)\s+ask(?:s|ing)?\s+(?:for\s+)?(?:approvals?|anyone|permission|confirmation|a\s+human)\b"
                r"|\bwith\s+no\s+(?:approvals?|approval\s+layer|cards?|sign-?offs?)\b|\bwithout\s+(?:the\s+)?approval\s+(?:layer|step|flow|process|gate)\b",
                0.5,
            ),
            (r"\bno\s+approvals?\b", 0.3),
            (
                r"\b(?:don['’]?t|do\s+not|never)\s+wait\s+(?:for|on)\s+(?:anyone|anybody|approv\w*|the\s+card|cards?|sign-?offs?|a\s+human|people|confirmation|"
                r"the\s+(?:approvers?|on-?call|reviewers?))\b"
                r"|\b(?:i|we)\s+(?:don['’]?t|do\s+not)\s+need\s+(?:to\s+go\s+through\s+|an?\s+|any\s+)?(?:approvals?|approvers?|cards?|sign-?offs?|quorum)\b",
                0.5,
            ),
            (
                r"\b(?:skip(?:ping)?|bypass(?:ing)?|waiv(?:e|ing)|overrid(?:e|ing)|circumvent(?:ing)?|without)\s+(?:the\s+|any\s+|all\s+)?"
                r"(?:usual\s+|normal\s+|standard\s+|further\s+)?(?:checks|verifications?|review|ceremony|gate|quorum|separation\s+of\s+duties|"
                r"(?:two|2)-(?:approver|person)\s+rule|second\s+approver|risk\s+policy|approval\s+(?:rules|process|layer|flow|step)|critical-tier\s+rules|"
                r"process|red\s+tape)\b",
                0.5,
            ),
            (
                r"\bno\s+(?:time\s+for\s+(?:the\s+)?|need\s+for\s+(?:a\s+|the\s+)?)?(?:second\s+approver|approval\s+process|quorum|ceremony)\b"
                r"|\bexempt\s+from\s+(?:the\s+)?(?:\S+\s+)?(?:rules|approvals?|policy|review|checks)\b"
                r"|\bcount\s+(?:her|him|them|me|it|this)\s+as\s+(?:the\s+|a\s+)?(?:second\s+)?(?:approver|approval|vote)\b",
                0.5,
            ),
            (
                r"\b(?:pas\s+besoin\s+d[e']|no\s+hace\s+falta|n[aã]o\s+precisa|ohne\s+weitere|sin\s+m[aá]s|sans\s+autre)\s+(?:\S+\s+){0,2}?"
                r"(?:approbat\w*|aprobad\w*|aprova\w*|tarjeta|carte|pr[üu]fung|verificaci\w*|verifica[cç]\w*|v[ée]rification|freigabe|genehmigung|validation)",
                0.5,
            ),
            (
                r"\b(?:saltar|pular|sauter|[üu]berspringen)\s+(?:\S+\s+){0,2}?(?:verificaci\w*|verifica[cç]\w*|v[ée]rifications?|pr[üu]fungen|freigaben|aprobaci\w*|aprova\w*|approbations?)",
                0.5,
            ),
        ),
        squeezed=(
            (
                r"(?:skip|bypass|waive)(?:the|all|any)?(?:approvals?|signoff|changefreeze)(?:for)?(?:this|now|today)",
                1.0,
            ),
        ),
    ),
    Rule(
        "R13",
        "decision-inputs",
        "tries to set the decision's inputs (risk, tier, confidence, reversibility) from the text",
        (
            (
                r"\b(?:set|mark|treat|classify|label|tag|flag|record|report|rate|score|consider|categori[sz]e|register)\s+"
                r"(?:this|it|that|these|them|the\s+(?:\w+\s+){0,2}?(?:call|action|change|request|operation|command|tool(?:\s+call)?|deletion|task|step))?\s*"
                r"(?:as|to\s+be)\s+(?:an?\s+)?(?:(?:very\s+)?low[\s-]*risk|low|minimal|no[\s-]*risk|zero[\s-]*risk|read[\s-]*only|a\s+read|reversible"
                r"|non[\s-]*destructive|safe|harmless|trivial|tier\s+\w+|low\s+tier|routine|informational|a\s+dry[\s-]*run)\b",
                0.6,
            ),
            (
                r"(?:^|[\s{,\"'(\[])(?:confidence(?:[\s_-]*score)?[\"']?\s*[:=]\s*[\"']?(?:i|i\.o+|ioo\s*%?|o\.gg+|high|max|certain)"
                r"|(?:reversib(?:le|ility)|read[\s_-]*only(?:hint)?|readonly)[\"']?\s*[:=]\s*[\"']?(?:true|yes)"
                r"|(?:destructive(?:hint)?|approval[\s_-]*(?:required|needed)|requires?[\s_-]*approval|needs?[\s_-]*approval)[\"']?\s*[:=]\s*[\"']?(?:false|no|none))\b",
                0.6,
            ),
            (
                r"\b(?:your|the|its|set\s+(?:your|the)|use\s+a|report\s+(?:a|your)|state\s+(?:a|your)|give\s+(?:it|this)\s+a|with\s+a)\s+"
                r"confidence(?:\s+(?:score|level|value))?\s+(?:is|=|of|to|at|should\s+be|must\s+be|will\s+be|as)\s+"
                r"(?:i(?:\.o+)?|ioo\s*%|o?\.gg+|gg\s*%|high|max(?:imum)?|full|certain|absolute|iooo?|one|complete)\b",
                0.6,
            ),
            (
                r"\b(?:risk|tier|risk\s+tier|risk\s+level)\s+(?:is|should\s+be|must\s+be|=|will\s+be|counts?\s+as)\s+(?:only\s+|just\s+)?"
                r"(?:low|none|minimal|zero|nil|negligible|tier\s+(?:o|i|one|low))\b",
                0.5,
            ),
            (
                r"\b(?:this|it|that|the\s+(?:\w+\s+)?(?:deletion|decommission(?:ing)?|drop|wipe|purge|change|action|call))\s+(?:is|counts\s+as|should\s+count\s+as)\s+"
                r"(?:fully\s+|completely\s+|totally\s+|easily\s+|100%\s+)?(?:reversible|undoable|read[\s-]*only|a\s+read|non[\s-]*destructive)\s*(?:[,.;:!]|\s+so|\s+and|\s+-|$)",
                0.4,
            ),
            (
                r"\b(?:(?:no|skip|without|don['’]?t\s+need)\s+(?:the\s+)?(?:risk\s+(?:check|assessment|tier|review|policy))"
                r"|(?:lower|downgrade|drop|reduce)\s+(?:the\s+|its\s+|this\s+)?(?:risk|tier|risk\s+tier|risk\s+level|severity)\s+(?:to|of|for))\b",
                0.5,
            ),
            (  # `risk: low` is also how documents and logs say it: alone it only adds to other signals
                r"\b(?:classification|risk(?:[\s_-]*(?:score|level|class|override|rating|tier))?|tier(?:[\s_-]*override)?)[\"']?\s*[:=]\s*[\"']?"
                r"(?:\S+\s*(?:->|=>|to)\s*)?(?:low(?:[\s-]+risk)?|none|minimal|zero|safe|o\.o\S*|tier[\s-]*(?:o|i|one|low))\b",
                0.3,
            ),
            (
                r"\b(?:set|make|change|lower|put)\s+(?:the\s+)?(?:quorum|tier|risk(?:\s+tier)?|number\s+of\s+approvers|approver\s+count)\s+"
                r"(?:for\s+(?:this|it|the\s+\w+)\s+)?(?:to|at)\s+(?:i|one|low|medium|o|zero|none)\b",
                0.6,
            ),
            (
                r"\b(?:label|tag|record|register|log|flag|mark|file|report|classify|count|treat)\s+(?:it|this|that|them)\s+(?:that\s+way|as\s+such|accordingly)\b",
                0.4,
            ),
            (
                r"\b(?:tag|mark|flag|set)\s+(?:it|this|that|them|the\s+\w+)\s+(?:as\s+)?(?:read[\s_-]*only|reversible|non[\s-]*destructive|idempotent|low[\s-]*risk)\b",
                0.5,
            ),
            (
                r"\b(?:treat|consider|count|interpret|read)\s+['\"‘“]?\w+['\"’”]?\s+as\s+(?:a\s+)?(?:synonym|alias|shorthand)\s+for\b",
                0.5,
            ),
            (
                r"\b(?:this\s+is|it['’]?s|that['’]?s)\s+(?:just|only|merely|simply)\s+(?:a\s+)?(?:config\s+)?(?:read|lookup|query|no-?op|dry[\s-]*run)"
                r"\s*(?:,|;|:|\.|\s+(?:so|and|no|not))",
                0.4,
            ),
            (
                r"\b(?:reuse|copy|use)\s+(?:the\s+)?(?:action\s+)?hash\s+(?:from|of)\b|\b(?:blast\s+radius|risk)\s+is\s+(?:zero|nil|none|nothing)\b",
                0.5,
            ),
            (
                r"\b(?:classifique|clasifica|classifica|einstufen|classe|classez|trate|trata)\w*\s+(?:\S+\s+){0,3}?(?:leitura|lectura|lecture|lesezugriff|bajo\s+riesgo|baixo\s+risco)",
                0.5,
            ),
            (
                r"\b(?:nur\s+ein\s+lesezugriff|s[oó]lo\s+(?:una\s+)?lectura|apenas\s+(?:uma\s+)?leitura|juste\s+une\s+lecture)\b",
                0.4,
            ),
            (
                r"\b(?:your|the\s+agent['’]?s|its|the)\s+(?:own\s+)?confidence\s+(?:to|as|at|=|of)\s+(?:\S+\s+)?(?:i(?:\.o+)?|max(?:imum)?|ioo\s*%?|full|high)\b"
                r"|\b(?:ioo\s*%|fully|completely|totally)\s+confident\s+(?:\S+\s+){0,4}?(?:so|tier|rate|classify|low)\b",
                0.5,
            ),
            (
                r"\b(?:do\s+not|don['’]?t|never)\s+(?:rate|tier|classify|count|mark|treat|flag|score)\s+(?:this|it|that)\s+(?:as\s+)?"
                r"(?:critical|high|destructive|irreversible|risky|a\s+write)\b"
                r"|\b(?:tier|rate|classify|score|class)\s+(?:it|this|that)\s+(?:as\s+)?(?:low|medium|read|safe)\b",
                0.5,
            ),
            (
                r"\bcounts?\s+as\s+(?:an?\s+)?(?:staging|read|low|medium|non-?destructive|reversible|safe)\w*\s+(?:action\s+|call\s+|change\s+)?"
                r"(?:for\s+(?:the\s+)?(?:risk|policy|approval|gate)|at\s+most)\b|\bfor\s+(?:the\s+)?(?:risk\s+)?(?:policy|gate|approval|risk)"
                r"(?:\s+purposes)?\s*,?\s+(?:this|it)\s+(?:counts|is|should\s+count)\s+as\b",
                0.5,
            ),
            (
                r"\b(?:reclassify|re-?tier|re-?rate|re-?score)\b|\b[a-z-]+\s*->\s*(?:non-?destructive|read[\s-]*only|closed-world|low|reversible)\b",
                0.5,
            ),
            (
                r"\b(?:policy_)?(?:tier|risk|confidence|reversible|approval|readonly|destructive)_(?:hint|override)\s*[:=]",
                0.6,
            ),
            (
                r"\b(?:gate|policy|risk\s+engine)\s+should\s+(?:see|treat|read|classify|count)\s+(?:this|it)\s+as\b"
                r"|\bpolic(?:y|ies)\s+(?:entry|rule)?\s*(?:for\s+\S+\s+)?should\s+(?:be|say)\s+(?:tier\s+)?(?:low|medium|read)\b"
                r"|\bpretend\s+(?:that\s+)?(?:the\s+)?(?:policy|gate|rule)\s+(?:matched|said|says|allows|classified)\b",
                0.5,
            ),
            (r"\b(?:has\s+no|without(?:\s+any)?|with\s+no)\s+side[\s-]*effects?\b", 0.3),
            (
                r"\b(?:riesgo|risco|risque|risiko)\s+(?:\S+\s+){0,2}?(?:bajo|baixo|faible|niedrig)\b"
                r"|\b(?:konfidenz|confianza|confian[cç]a|confiance)\s+(?:\S+\s+){0,2}?(?:i|ioo|max\w*)\b"
                r"|\b(?:consid[eè]re|marca|marque|trate|trata)\w*\s+(?:\S+\s+){0,3}?(?:r[ée]versible|revers[ií]vel|solo\s+lectura|somente\s+leitura)",
                0.4,
            ),
        ),
    ),
    *FRAMING_RULES,
    *DISCLOSURE_RULES,
)
# Each family's named phrasings, then its general patterns (`injection_general`, `injection_structures`,
# `injection_asks`, `injection_claims`): the same id, weight and reason.
CHATOPS_RULES: tuple[Rule, ...] = tuple(
    replace(
        rule,
        patterns=rule.patterns
        + GENERAL_PATTERNS.get(rule.id, ())
        + STRUCTURE_PATTERNS.get(rule.id, ())
        + ASK_PATTERNS.get(rule.id, ())
        + CLAIM_PATTERNS.get(rule.id, ()),
    )
    for rule in _NAMED
)
