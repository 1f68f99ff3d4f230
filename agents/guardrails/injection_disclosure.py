"""Injection rule for a chat-ops bot: the agent's secrets or instructions asked for, or sent somewhere (R16).

The values of its environment, tokens, keys and passwords, its instructions and tool list: asked for, pasted,
posted to a channel, mailed, sent to a URL, or put in a disguise (base64, reversed, halves). The other chat-ops
families are in `injection_chatops`; see `agents.guardrails.rule` for how rules score.
"""

from __future__ import annotations

from agents.guardrails.rule import Rule

__all__ = ["DISCLOSURE_RULES"]

_ASK_START = (
    r"(?:^|[.!?:;,\n|(\-–—*]\s*|\b(?:please|pls|and|then|also|just|now|can\s+you|could\s+you|you\s+should|go|quickly)"
    r"\s+)"
)
_SECRETS = (
    r"(?:environment\s+variables?|env(?:ironment)?\s+vars?|\$env\b|\benv\b|printenv|secrets?|api[\s_-]?keys?|access\s+keys?|tokens?"
    r"|credentials?|passwords?|passwds?|private\s+keys?|ssh\s+keys?|\.env(?:\s+file)?|connection\s+strings?|signing\s+secret"
    r"|bot\s+token|xox[a-z]|vault\s+(?:values?|contents?))"
)

DISCLOSURE_RULES: tuple[Rule, ...] = (
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
                # "spell" only before what it spells ("spell out the token", not "spell check the token runbook")
                r"(?:\b(?:base64|hex|rot13|reverse|encode|translate)[\s-]*(?:encode|the|it|each|out)?\s+(?:\S+\s+){0,3}?"
                r"|\bspell\s+(?:out\s+)?(?:the|your|my|our|that|this|each|every|its)\s+(?:\S+\s+){0,2}?)"
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
