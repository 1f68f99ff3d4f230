"""Injection phrasings in languages other than English, kept apart from the English rules they extend.

Each pattern is the plain translation of a move the English rules already catch: "ignore the previous
instructions" (rule R3) and "what is the password?" (rule R6). They run on the text before look-alike folding,
since folding would turn Cyrillic and Greek letters into Latin ones.
"""

from __future__ import annotations

__all__ = ["CREDENTIAL_REQUEST_IN_OTHER_LANGUAGES", "OVERRIDE_IN_OTHER_LANGUAGES"]

# Spanish, Portuguese, French, German, Italian, Dutch, Polish, Indonesian, Turkish, Russian, Greek, Chinese,
# Japanese, Korean, Arabic, Hindi.
OVERRIDE_IN_OTHER_LANGUAGES: tuple[tuple[str, float], ...] = (
    (
        r"\b(?:ignora|ignore|ignoren|ignorad|olvida|olvide|olviden|descarta|omite)\s+(?:(?:todas?|todos|las|los|tus|sus|mis|estas|esas)\s+){0,3}(?:instrucciones|indicaciones|directrices|órdenes|ordenes|reglas)\b",
        1.0,
    ),
    (
        r"\b(?:ignore|ignora|ignorem|esqueça|esqueca|desconsidere|desconsidera)\s+(?:(?:todas?|todos|as|os|suas?|seus?|minhas?|estas|essas)\s+){0,3}(?:instruções|instrucoes|orientações|orientacoes|regras|ordens|diretrizes)",
        1.0,
    ),
    (
        r"\b(?:ignorez|ignore|ignorer|oubliez|oublie|oublier)\s+(?:(?:toutes|tous|les|vos|tes|ces|mes)\s+){1,3}(?:instructions|consignes|directives|règles|regles)\b",
        1.0,
    ),
    (
        r"\b(?:ignoriere|ignorieren\s+sie|ignoriert|vergiss|vergessen\s+sie|vergesst|missachte)\s+(?:(?:alle|die|deine|ihre|eure|bisherigen|vorherigen|vorigen|obigen|früheren)\s+){0,4}(?:anweisungen|instruktionen|befehle|regeln|vorgaben|richtlinien)\b",
        1.0,
    ),
    (
        r"\b(?:ignora|ignorate|dimentica|dimenticate)\s+(?:(?:tutte|tutti|le|i|gli|tue|tuoi|sue|queste|precedenti)\s+){0,4}(?:istruzioni|regole|direttive|indicazioni)\b",
        1.0,
    ),
    (
        r"\b(?:negeer|vergeet)\s+(?:(?:alle|de|je|jouw|vorige|eerdere)\s+){0,3}(?:instructies|opdrachten|regels)\b",
        1.0,
    ),
    (
        r"\b(?:zignoruj|ignoruj|zapomnij)\s+(?:(?:wszystkie|poprzednie|twoje|swoje)\s+){0,3}(?:instrukcje|polecenia|zasady)\b",
        1.0,
    ),
    (r"\b(?:abaikan|lupakan)\s+(?:(?:semua|seluruh)\s+)?(?:instruksi|perintah|arahan)\b", 1.0),
    (r"(?:önceki|tüm)\s+(?:\p{L}+\s+)?talimatları\s+(?:yok\s+say|unut|görmezden\s+gel)", 1.0),
    (
        r"(?:игнорир\p{L}*|проигнорир\p{L}*|забудь\p{L}*|забудьте)\s+(?:\p{L}+\s+){0,3}?(?:инструкци\p{L}*|указани\p{L}*|правил\p{L}*)",
        1.0,
    ),
    (r"(?:αγνο\p{L}*|ξεχ\p{L}*)\s+(?:\p{L}+\s+){0,3}?(?:οδηγ\p{L}*|εντολ\p{L}*|κανόν\p{L}*)", 1.0),
    (
        r"(?:忽略|无视|無視|忘记|忘記|不要理会)(?:之前|以前|上面|先前|前面|所有|全部|的|你的|\s)*(?:指令|指示|说明|說明|规则|規則|提示)",
        1.0,
    ),
    (
        r"(?:以前|前|これまで|上記|先)の(?:すべての|全ての)?(?:指示|命令|ルール|指令)(?:を|は)?(?:すべて|全て)?(?:無視|忘れ)",
        1.0,
    ),
    (
        r"(?:이전|앞의|위의|기존)\s*(?:의\s*)?(?:모든\s*)?(?:지시|지침|명령|규칙)\S*\s*(?:을|를)?\s*(?:무시|잊어)",
        1.0,
    ),
    (r"(?:تجاهل|تجاهلوا|انس)\s+(?:\p{L}+\s+){0,2}?(?:التعليمات|الأوامر|التوجيهات|القواعد)", 1.0),
    (r"(?:पिछले|पूर्व|सभी)\s*(?:निर्देशों|निर्देश|आदेशों)\s+(?:की|को)\s+(?:अनदेखी|अनदेखा|नज़रअंदाज़|भूल)", 1.0),
)

_PASSWORD = (
    r"(?:contraseña|clave|senha|mot\s+de\s+passe|passwort|kennwort|password|wachtwoord|hasło|haslo|şifre|sifre"
    r"|пароль|κωδικ\p{L}*|パスワード|비밀번호|密码|密碼|口令|كلمة\s+(?:ال)?(?:مرور|سر)|पासवर्ड)"
)

# Spanish, Portuguese, French, German, Italian, Dutch, Polish, Turkish, Russian, Greek, Japanese, Korean,
# Chinese, Arabic, Hindi: "what is / tell me / give me / share (your) password".
CREDENTIAL_REQUEST_IN_OTHER_LANGUAGES: tuple[tuple[str, float], ...] = (
    (
        r"(?:cu[aá]l\s+es|dime|d[ée]me|dame|comparte|compartir|qual\s+[ée]|diga|me\s+d[eê]|compartilh\p{L}*|quel\s+est"
        r"|donne[sz]?(?:-moi)?|dites(?:-moi)?|partage[sz]?|was\s+ist|sag\s+mir|nenne|qual\s+è|dimmi|dammi|wat\s+is"
        r"|geef|jakie\s+jest|podaj|nedir|какой|скажи\p{L}*|дай\p{L}*|ποιος\s+είναι|πες\s+μου)"
        rf"\s+(?:\p{{L}}+\s+){{0,3}}?{_PASSWORD}",
        0.6,
    ),
    (rf"{_PASSWORD}\s+(?:\p{{L}}+\s+)?(?:geben|verraten|mitteilen|nennen|podać|söyle|ver)\b", 0.6),
    (rf"{_PASSWORD}(?:は|を|는|가|를|是)\s*(?:何|なん|教え|뭐|무엇|알려|什么|多少)", 0.6),
    (rf"(?:告诉我|告訴我|给我|給我)(?:你的|您的)?{_PASSWORD}", 0.6),
    (rf"(?:ما\s+هي|أعطني|اعطني)\s+{_PASSWORD}", 0.6),
    (rf"{_PASSWORD}\s+(?:क्या\s+है|बताओ|बताइए|दो)", 0.6),
)
