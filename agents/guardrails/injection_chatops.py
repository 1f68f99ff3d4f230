"""Injection rules for the manipulation a chat-ops bot meets: R12-R16.

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
_ASK_START = (
    r"(?:^|[.!?:;,\n|(\-–—*]\s*|\b(?:please|pls|and|then|also|just|now|can\s+you|could\s+you|you\s+should|go|quickly)"
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
_AI = r"(?:ai|a\.i\.|assistants?|bots?|chat-?bots?|agents?|llms?|language\s+models?|automation|automated\s+(?:systems?|agents?|tools?|assistants?)|copilots?|claude|gpt|models?)"  # noqa: E501
_AI_ONLY = (
    r"(?:ai|a\.i\.|assistants?|bots?|chat-?bots?|llms?|language\s+models?|automation|copilots?|claude|gpt|chatgpt)"
)
_SECRETS = (
    r"(?:environment\s+variables?|env(?:ironment)?\s+vars?|\$env\b|\benv\b|printenv|secrets?|api[\s_-]?keys?|access\s+keys?|tokens?"
    r"|credentials?|passwords?|passwds?|private\s+keys?|ssh\s+keys?|\.env(?:\s+file)?|connection\s+strings?|signing\s+secret"
    r"|bot\s+token|xox[a-z]|vault\s+(?:values?|contents?))"
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
    Rule(
        "R14",
        "not-real-framing",
        "frames the request as a simulation, sandbox or game where nothing is real",
        (
            (
                r"\bnothing\s+(?:here\s+|of\s+this\s+|you\s+do\s+|in\s+this\s+\w+\s+)?(?:is|will\s+be|happens|gets|would\s+be)\s+"
                r"(?:real|actually\s+(?:executed|run|deleted|changed)|for\s+real|affected|touched|persisted|permanent)\b",
                0.5,
            ),
            (
                r"\b(?:none\s+of\s+(?:this|these|it|the\s+\w+)|no(?:thing)?\s+(?:real|actual))\s+(?:is|are|will\s+be\s+)?\s*"
                r"(?:real|production|live|consequences?|effects?|impact|systems?|users|customers|data)\b",
                0.5,
            ),
            (
                r"\b(?:this|it|that|we|you|everything)\s*(?:is|['’]s|are|['’]re|will\s+be)\s+(?:all\s+|just\s+|only\s+|merely\s+|purely\s+|simply\s+)"
                r"(?:a\s+|an\s+|in\s+a\s+|in\s+an\s+|inside\s+a\s+)?(?:simulation|simulated|game|role-?play|pretend|hypothetical|fictional|fiction|story"
                r"|make-?believe|sandbox|sandboxed|mock|fake|test\s+(?:harness|run|scenario)|thought\s+experiment|tabletop|exercise|drill|training\s+(?:exercise|scenario))\b",
                0.5,
            ),
            (
                r"\b(?:won['’]?t|will\s+not|doesn['’]?t|does\s+not|can['’]?t|cannot|wouldn['’]?t|would\s+not)\s+(?:really\s+|actually\s+)?"
                r"(?:affect|touch|hurt|harm|impact|break|reach|change|matter\s+to)\s+(?:anything|anyone|production|prod|real|live|customers|users)\b",
                0.4,
            ),
            (
                r"\b(?:let['’]?s|we['’]?ll|we\s+will|let\s+us|i\s+want\s+(?:you\s+)?to|can\s+we|shall\s+we)\s+(?:pretend|imagine|role-?play|"
                r"do\s+a\s+role-?play|play\s+(?:a\s+)?(?:game|role)\s+(?:where|in\s+which|called))\b",
                0.5,
            ),
            (
                r"\b(?:in\s+this|for\s+this|within\s+this)\s+(?:game|simulation|scenario|story|role-?play|exercise|fiction|hypothetical|world)"
                r"\s*,?\s+(?:you|the\s+(?:assistant|bot|agent|ai))\s+(?:are|can|will|may|must|should|have|play|act)\b",
                0.5,
            ),
            (
                r"\b(?:pretend|imagine|suppose|assume)\s+(?:that\s+)?(?:the\s+)?(?:approvals?|polic(?:y|ies)|rules|guardrails|checks|restrictions|"
                r"consequences)\s+(?:don['’]?t|do\s+not|didn['’]?t)\s+(?:exist|apply|matter)\b",
                0.6,
            ),
            (
                r"\b(?:act|behave|respond|proceed|pretend)\s+(?:like|as\s+if|as\s+though)\s+(?:the\s+)?(?:approvals?|polic(?:y|ies)|rules|guardrails|"
                r"checks|gates?|restrictions)\s+(?:don['’]?t|do\s+not|didn['’]?t|did\s+not|were\s+not|weren['’]?t)\s+(?:exist|apply|there)\b",
                0.6,
            ),
            (
                r"\b(?:for\s+real|really\s+(?:run|execute|do)|actually\s+(?:run|call|execute|do)\s+(?:it|the\s+tool))\b",
                0.3,
            ),
            (
                r"\b(?:sim(?:ulation)?|test|sandbox|play|pretend|drill|rehearsal|training|game)[\s-]+mode\b|\bsimulation\s+day\b|\b(?:rehearsal|make-?believe)\b",
                0.3,
            ),
            (
                r"\b(?:nothing|none\s+of\s+(?:this|it))\s+(?:counts|matters|is\s+executed|will\s+(?:be\s+)?(?:executed|run|count))\b"
                r"|\bnobody\s+will\s+(?:check|notice|know|find\s+out)\b",
                0.5,
            ),
            (
                r"\b(?:you\s+are|you['’]re|tu\s+es|eres|du\s+bist|voc[eê]\s+[eé])\s+(?:an?\s+|un\s+|una\s+|ein\s+|um\s+)?(?:\w+\s+){0,2}?"
                r"(?:bot|assistant|agent|ai|ia|ki)\s+(?:with\s+no|without(?:\s+any)?|sin|sans|ohne|sem)\s+(?:rules|guardrails|restrictions|limits|"
                r"reglas|r[eè]gles|garde-fous|regeln|regras|limites)\b",
                0.6,
            ),
            (r"\b(?:juguemos|jeu\s+de\s+r[oô]le|rollenspiel|vamos\s+(?:jogar|brincar)|on\s+fait\s+un\s+jeu)\b", 0.3),
            (
                r"\b(?:everything|it|this|they|these|all\s+of\s+(?:it|this|them)|the\s+\w+)\s*(?:is|['’]s|are|['’]re)\s+(?:all\s+|just\s+|only\s+)?"
                r"(?:fake|mocked|mocks?|simulated|a\s+(?:test|sandbox)\s+copy|not\s+real|make-?believe|a\s+unit\s+test(?:\s+fixture)?)\b",
                0.5,
            ),
            (
                r"\b(?:no|none\s+of\s+the)\s+rules\s+apply\b|\bthe\s+rules\s+(?:don['’]?t|do\s+not)\s+apply\b"
                r"|\b(?:don['’]?t|do\s+not|won['’]?t|never)\s+(?:hit|touch|affect|reach)\s+(?:real|live|actual)\b"
                r"|\bnone\s+of\s+(?:these|the|this)\s+(?:\w+\s+)?(?:really|actually)\s+exists?\b",
                0.5,
            ),
            (
                r"\b(?:new\s+)?game\s*:|\blet['’]?s\s+play\s+a\s+game\b|\bin\s+this\s+game\b|\bwe['’]re\s+writing\s+a\s+story\b",
                0.3,
            ),
            (
                r"\b(?:rien\s+n['’]est\s+r[ée]el|nichts\s+passiert\s+wirklich|nada\s+(?:es|[eé])\s+real|nur\s+eine\s+[üu]bung|juste\s+une\s+simulation"
                r"|s[oó]lo\s+(?:es\s+)?una\s+simulaci[oó]n|apenas\s+uma\s+simula[cç][aã]o|c['’]est\s+juste\s+une\s+simulation)",
                0.5,
            ),
            (r"\b(?:pentest|penetration\s+test|red-?team|yolo)\s+mode\b", 0.4),
            (
                r"\b(?:treat|consider|count)\s+(?:this|it|all\s+of\s+(?:it|this)|everything|the\s+whole\s+\w+|this\s+whole\s+\w+)\s+(?:as\s+)?(?:a\s+)?"
                r"(?:staging\s+)?(?:simulation|throwaway|sandbox|test|make-?believe|fiction|drill)\b",
                0.5,
            ),
        ),
    ),
    Rule(
        "R15",
        "planted-note",
        "addresses the assistant from inside data, or hides instructions in a comment",
        (
            (
                rf"<!--[^>]*?\b(?:{_AI_ONLY}|you\s+(?:must|should|will|are\s+to|need\s+to)|ignore\s+(?:all|any|previous|prior|the\s+user|your|the\s+above)"
                r"|instead\s+of\s+(?:the|what|summari)|instructions?\s+(?:for|to)\s+(?:you|the\s+(?:ai|assistant|bot|agent|model))"
                r"|do\s+not\s+(?:tell|mention|show)|don['’]?t\s+(?:tell|mention|show))\b",
                0.6,
            ),
            (
                r"(?:^|\n)\s*\[[^\]\n]*\]\s*:\s*#\s*[(\"'<][^\n]*?\b(?:assistant|ai|bot|agent|llm|you\s+(?:must|should)|instructions?|"
                r"run|execute|approve|delete|send|ignore)\b",
                0.6,
            ),
            (
                rf"\b(?:note|message|instructions?|directive|attention|psa|reminder|memo|notice|request|heads[\s-]*up|p\.?s\.?|important)\s*"
                rf"(?:to|for)\s+(?:the\s+|any\s+|all\s+|every\s+|our\s+)?(?:{_AI})\b",
                0.6,
            ),
            (
                rf"\b(?:if|when|whenever|once)\s+(?:you\s+are|you['’]re|an?|any|the)\s+(?:an?\s+)?(?:{_AI})\s+(?:\w+\s+){{0,2}}?"
                r"(?:read(?:s|ing)?|process(?:es|ing)?|pars(?:es|ing)|summari[sz](?:es|ing)|see(?:s|ing)?|handl(?:es|ing)|review(?:s|ing)?|scan(?:s|ning)?)\b",
                0.6,
            ),
            (
                rf"\b(?:dear|hey|hi|hello|attention|yo)\s+(?:the\s+|any\s+|all\s+|an?\s+)?(?:{_AI})(?:\s+(?:reading|processing|parsing|that\s+reads|"
                r"who\s+reads|seeing)\s+(?:this|these))?\s*(?:[,:!]|\s[\-–—])",
                0.5,
            ),
            (
                rf"\b(?:{_AI})\s+(?:reading|processing|parsing|summari[sz]ing|that\s+reads?|who\s+reads?)\s+(?:this|these)\s+(?:\w+\s+){{0,2}}?"
                r"(?:should|must|shall|needs?\s+to|is\s+(?:asked|instructed|required|to)|are\s+(?:asked|instructed|required|to)|will|can)\b",
                1.0,
            ),
            (
                r"\b(?:do\s+not|don['’]?t|never)\s+(?:tell|inform|mention\s+(?:this|it)\s+to|show\s+(?:this|it)\s+to|alert|notify)\s+"
                r"(?:the\s+)?(?:user|human|requester|operator|person|on-?call|approvers?|anyone)\b",
                0.5,
            ),
            (
                rf"[\[(]\s*(?:{_AI}|opsgate)[\s_-]*(?:note|only|instructions?|eyes\s+only|directive)\s*[\])]|\b(?:{_AI})\s+eyes\s+only\b"
                rf"|\b(?:note|message|instructions?)[\s_-]*(?:for|to)[\s_-]*(?:the[\s_-]*)?(?:{_AI}|opsgate)\b|\b(?:agent|ai|bot|llm)_(?:note|instructions?|directive)\b"
                r"|\bplease[\s_-]+read[\s_-]+(?:ai|bot|agent)\b",
                0.6,
            ),
            (
                rf"\b(?:the\s+following\s+is\s+for|this\s+(?:part|section|line)\s+is\s+for|for)\s+(?:the\s+|any\s+)?(?:{_AI}|opsgate)"
                r"\s+(?:that|which|who)\s+(?:reads?|processes|parses|sees)\b",
                0.6,
            ),
            (
                r"(?:^|[|\n>:]\s*|<!--\s*|\]\s*)(?:@?opsgate|(?:the\s+)?(?:ops[\s-]*)?bot|(?:the\s+)?(?:ai|assistant|agent))\s*[,:]\s+(?:please\s+)?"
                r"(?:also\s+)?(?:run|execute|delete|drop|decommission|scale|restart|roll|promote|disable|mute|post|send|email|make|grant|rotate|approve|skip|ignore|wipe|purge|open|read)\b",
                0.5,
            ),
            (
                r"\b(?:para\s+(?:qualquer|cualquier|la|a)\s+(?:ia|ai|asistente|assistente)|nota\s+para\s+(?:o|el|la|a)\s+(?:assistente|asistente|ia|bot)|"
                r"note\s+(?:pour|à)\s+(?:l['’]|le\s+|la\s+)?(?:assistant|ia|bot)|hinweis\s+f[uü]r\s+(?:den|die)\s+(?:assistenten|ki|bot)|anweisung\s+an\s+den)",
                0.6,
            ),
            (
                r"\{color:\s*(?:white|#fff(?:fff)?)\}|<span[^>]*(?:display:\s*none|color:\s*(?:white|#fff))|font-size:\s*[oi]p?x",
                0.5,
            ),
        ),
        squeezed=((r"(?:aiassistant|llmagent|aiagent)s?(?:reading|processing)this(?:must|should|shall)", 1.0),),
    ),
    Rule(
        "R16",
        "secret-exfiltration",
        "asks for the agent's secrets, environment or instructions, or to send them out",
        (
            (
                rf"\b(?:print|show|dump|echo|list|reveal|output|display|cat|paste|expose|leak|give\s+(?:me|us)|tell\s+(?:me|us)|share|"
                rf"read\s+(?:out|back)|spell\s+out|return|include|attach)\s+(?:me\s+|us\s+)?(?:all\s+|every\s+|the\s+|your\s+|its\s+|our\s+)?"
                rf"(?:full\s+|raw\s+|actual\s+|current\s+|complete\s+|plain[\s-]*text\s+)?(?:values?\s+of\s+(?:the\s+|your\s+|all\s+)?|contents?\s+of\s+(?:the\s+|your\s+)?)"
                rf"(?:\w+\s+){{0,2}}?{_SECRETS}",
                0.6,
            ),
            (
                r"\b(?:print|show|dump|echo|reveal|output|display|cat|paste|give\s+(?:me|us)|tell\s+(?:me|us)|share|send|post|leak)\s+"
                r"(?:me\s+|us\s+)?(?:all\s+|every\s+|the\s+|your\s+|its\s+)?(?:(?:own|process|runtime|container|pod|worker|agent|bot)['’]?s?\s+)"
                r"(?:environment(?:\s+variables)?|env(?:\s+vars)?|secrets?|tokens?|credentials?|api\s+keys?|config(?:uration)?)\b",
                0.6,
            ),
            (
                r"\b(?:printenv|env\s*\|\s*(?:grep|sort|curl)|cat\s+(?:/proc/self/environ|\S*\.env\b|~/\.aws/credentials|/etc/shadow)|"
                r"os\.environ|process\.env|getenv\s*\()",
                0.3,
            ),
            (
                rf"{_ASK_START}(?:send|post|email|e-mail|mail|forward|upload|curl|paste|put|append|include|embed)\s+(?:\w+\s+){{0,4}}?{_SECRETS}"
                r"\s+(?:\w+\s+){0,3}?(?:to|at|into|in|on)\s+(?:https?:|www\.|[a-z._%+-]+a[a-z.-]+\.[a-z]{2,}\b|(?:an?\s+|the\s+|this\s+|my\s+)?(?:url|link|webhook|pastebin|gist|"
                r"external|outside|personal|public|query\s+string|image|#?[a-z0-9_-]+\s+channel))",
                1.0,
            ),
            (
                r"\b(?:what|which)\s+(?:tools|instructions|rules|prompt|system\s+prompt|guidelines|secrets|keys|tokens|credentials)\s+"
                r"(?:were\s+you|are\s+you|have\s+you\s+been|did\s+(?:they|your\s+\w+))\s+(?:given|told|configured|set\s+up|loaded|provided)\b",
                0.5,
            ),
            (
                r"\b(?:your|the\s+(?:agent|bot|assistant)['’]?s?)\s+(?:instructions|system\s+prompt|prompt|configuration|config|tool\s+list|secrets?|"
                r"environment|api\s+keys?|tokens?|credentials)\s+(?:verbatim|word\s+for\s+word|in\s+full|exactly\s+as\s+(?:written|given)|in\s+a\s+code\s+block)\b",
                0.6,
            ),
            (
                r"\b(?:your|ur|tu|tus|dein(?:en)?|deine|ton|tes|seu|seus)\s+(?:\w+\s+){0,2}?(?:system\s+(?:prompt|instructions|message)|system-prompt|prompt\s+de\s+sistema|"
                r"instructions|instrucciones|instru[cç][oõ]es|anweisungen|hidden\s+rules|versteckten\s+regeln|context\s+window|initial\s+instructions|"
                r"internal\s+instructions|guidelines|rules\s+about|prompt)\b",
                0.5,
            ),
            (
                r"\b(?:what|which)\s+(?:were\s+you|have\s+you\s+been|are\s+you)\s+(?:told|instructed|asked)\s+(?:not\s+to|to\s+(?:never|keep|hide))\b"
                r"|\b(?:part|section)\s+of\s+your\s+(?:prompt|instructions)\b",
                0.5,
            ),
            (
                # a variable's value only when a part of its name says it holds a secret ("the value of LOG_LEVEL" or
                # "of max_connections" is ordinary)
                r"\bvalues?\s+of\s+(?:the\s+)?(?:\$?(?:[a-z0-9]+_)*(?:api_?key|keys?|tokens?|secrets?|pass|passwd|passwords?|pwd"
                r"|credentials?|dsn|(?:database|db|redis|mongo|amqp|broker)_url|conn(?:ection)?_(?:string|str|uri)|auth|certs?)"
                r"(?:_[a-z0-9]+)*"
                r"|secrets?|"
                r"(?:\w+\s+)?(?:tokens?|passwords?|keys?|credentials))\b|\bunredacted\b",
                0.5,
            ),
            (
                r"\$\{?[a-z_]*(?:key|token|secret|password|pass|pwd|pat|credentials?)\}?\b|\b[a-z]+_(?:api_key|secret_access_key|secret_key|token|password|passwd|pat)\b",
                0.3,
            ),
            (
                r"\b(?:give|send|paste|show|share|tell|dm|post|email|read)\s+(?:me|us|it\s+to\s+me)?\s*(?:the|your|its|their|his|her)\s+(?:\S+\s+){0,3}?"
                r"(?:tokens?|pat|keys?|passwords?|credentials|secrets?|private\s+keys?|signing\s+(?:key|secret)|pem(?:\s+block)?|ssh\s+keys?)"
                r"(?:\s*[.,!?:;)]|\s*$|\s+(?:for|of|from|that|which|the\s+(?:\w+\s+){1,2}uses?|please|pls|here|in\s+(?:the\s+)?(?:thread|channel|chat|dm)|so|to\s+me|and"
                r"|real\s+quick|quickly|now|asap|(?:just\s+)?the\s+first))",
                0.5,
            ),
            (
                r"\b(?:read|get|fetch|retrieve|pull|grab|look\s+up|resolve)\s+(?:the\s+)?(?:\S+\s+){0,3}?(?:secrets?|passwords?|tokens?|keys?|credentials)\s+"
                r"(?:\S+\s+){0,4}?(?:and|then)\s+(?:post|send|dm|paste|share|email|echo|print|put|write|include)\b",
                0.6,
            ),
            (
                r"\b(?:what(?:['’]s|\s+is|\s+are)|where\s+(?:is|are))\s+(?:the|your|its)\s+(?:\S+\s+){0,4}?(?:tokens?|api\s+keys?|credentials|signing\s+(?:key|secret)|"
                r"private\s+keys?)\s*(?:\?|$|\.|,|\s+(?:the\s+\w+\s+)?(?:uses?|shares?|has))",
                0.5,
            ),
            (
                r"\b(?:base64|hex|rot13|reverse|spell|encode|translate)[\s-]*(?:encode|the|it|each|out)?\s+(?:\S+\s+){0,3}?"
                r"(?:\$?[a-z]+_[a-z_]+|tokens?|secrets?|passwords?|api\s+keys?|system\s+prompt|instructions)\b"
                r"|\b(?:first\s+letters|acrostic)\s+(?:\S+\s+){0,3}?(?:spell|of)\b",
                0.5,
            ),
            (r"/etc/(?:opsgate|shadow|passwd)|secrets\.ya?ml|\.aws/credentials|id_rsa|kv/\S+|-----begin", 0.3),
            (
                r"\b(?:echo|print|cat|post|paste|send|dump|log|write|put)\s+\$\{?[a-z_]{3,}"
                r"|\b(?:dump|print|post|paste|show|send|log|share)\s+(?:\S+\s+){0,2}?(?:os\.environ|process\.env|printenv|env(?:ironment)?\s+var\w*)",
                0.3,
            ),
            (
                rf"{_ASK_START}(?:dm|pm|message|send|email|mail|slack)\s+@?[a-z][\w.-]*\s+(?:the|your|its|our)\s+(?:\S+\s+){{0,3}}?"
                r"(?:secrets?|tokens?|passwords?|keys?|credentials|pat)\b",
                0.5,
            ),
            (
                r"\bwhat(?:['’]s|\s+is|\s+are)\s+the\s+(?:\w+\s+)?(?:password|passphrase|token|api\s+key|secret|[a-z]+_[a-z_]*(?:secret|token|key|password))s?"
                r"(?:\s*\?|\s+(?:for|of|to)\s+)",
                0.5,
            ),
            (
                rf"{_ASK_START}(?:cole|pegue|p[ée]galo|p[ée]gala|paste|colle|f[üu]ge)\s+(?:aqui|aqu[ií]|here|ici|hier|it\s+here)\s+"
                r"(?:\S+\s+){0,3}?"
                r"(?:tokens?|senhas?|contrase[ñn]as?|passwords?|secrets?|keys?|chaves?|claves?)\b",
                0.5,
            ),
            (
                rf"{_ASK_START}(?:send|email|e-mail|mail|dm|post|paste|attach|forward|upload|cole|schick\w*|envoie|env[ií]a|envie|manda)\s+(?:\S+\s+){{0,5}}?"
                r"(?:api[\s-]*(?:keys?|schl[üu]ssel)|cl[ée]s\s+api|claves?\s+(?:de\s+)?api|tokens?|secrets?|passwords?|credentials|connection\s+strings?|\.env"
                r"|client\s+secret|signing\s+secret|webhook\s+url|contrase[ñn]as?|senhas?|passw[oö]rter|mots?\s+de\s+passe)\b"
                r"(?:\s+\S+){0,6}?\s+(?:(?:to|an|a|para|in|into|here|aqui|hier|ici|aqu[ií])\b|à\s)",
                0.5,
            ),
            (
                r"\b(?:signing[_\s]secret|client[_\s]secret|bot[_\s]token|api[_\s]key|anthropic[_\s]key|connection\s+string|database_url|database_password)\b"
                r"[^?\n]{0,40}\?|\b(?:with|including|inklusive|con|avec|com)\s+(?:the\s+|its\s+|das\s+|la\s+|le\s+|a\s+)?(?:password|passwort|secret|values?|token|contrase[ñn]a|senha)\b",
                0.4,
            ),
            (
                r"\b(?:mu[eé]strame|ens[eé][ñn]ame|zeig(?:e)?\s+mir|montre(?:-moi)?|mostre|me\s+mostre|dame|gib\s+mir|donne(?:-moi)?)\s+(?:\S+\s+){0,3}?"
                r"(?:prompt|instrucciones|anweisungen|instructions|instru[cç][oõ]es|contrase[ñn]a|passwort|mot\s+de\s+passe|senha|token|clave|schl[üu]ssel|cl[ée])",
                0.5,
            ),
        ),
    ),
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
