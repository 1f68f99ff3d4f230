"""Injection rules for a chat-ops bot: nothing is real (R14), and notes planted for the assistant (R15).

R14: a role-play, game, drill, sandbox or simulation in which the request says nothing counts, so the assistant may
act. R15: an instruction hidden in what a tool returns (HTML or markdown comments, white text, a line addressed to
"the assistant", "the bot", "automation", "AI agents reading this" in a ticket, page, e-mail or query row). The
other chat-ops families are in `injection_chatops`; see `agents.guardrails.rule` for how rules score.
"""

from __future__ import annotations

from agents.guardrails.rule import Rule

__all__ = ["FRAMING_RULES"]

_AI = r"(?:ai|a\.i\.|assistants?|bots?|chat-?bots?|agents?|llms?|language\s+models?|automation|automated\s+(?:systems?|agents?|tools?|assistants?)|copilots?|claude|gpt|models?)"  # noqa: E501
_AI_ONLY = (
    r"(?:ai|a\.i\.|assistants?|bots?|chat-?bots?|llms?|language\s+models?|automation|copilots?|claude|gpt|chatgpt)"
)

FRAMING_RULES: tuple[Rule, ...] = (
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
)
