"""Word lists that make app names and developers look real, in many scripts, plus hostile ones.

Every function takes a `random.Random`, so a seeded generator gives the same catalog every time.
"""

from __future__ import annotations

import random
import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

# Storefront -> script/language of its local apps (everything else: English).
LANGUAGE_BY_COUNTRY: dict[str, str] = {
    **dict.fromkeys(["jp"], "ja"),
    **dict.fromkeys(["cn", "sg"], "zh"),
    **dict.fromkeys(["tw", "hk", "mo"], "zh-hant"),
    **dict.fromkeys(["kr"], "ko"),
    **dict.fromkeys(["ru", "by", "kz", "kg", "ua", "bg", "mn", "tj", "uz", "md", "am"], "ru"),
    **dict.fromkeys(
        ["sa", "ae", "eg", "jo", "kw", "qa", "bh", "om", "lb", "iq", "dz", "ma", "tn", "ly", "ye"],
        "ar",
    ),
    **dict.fromkeys(["il"], "he"),
    **dict.fromkeys(["in", "np"], "hi"),
    **dict.fromkeys(["th"], "th"),
    **dict.fromkeys(["de", "at", "ch", "lu"], "de"),
    **dict.fromkeys(["fr", "be", "sn", "ci", "cm", "ml", "ne", "bj", "bf", "ga", "cd", "cg"], "fr"),
    **dict.fromkeys(
        ["es", "mx", "ar", "cl", "co", "pe", "ve", "ec", "bo", "py", "uy", "cr", "pa", "gt"], "es"
    ),
    **dict.fromkeys(["br", "pt", "ao", "mz", "cv"], "pt"),
}

_EN_ADJ = (
    "Bright Swift Quiet Bold Happy Smart Tiny Grand Lucky Clever Pocket Daily Royal Wild Sunny "
    "Magic Rapid Pixel Cosmic Urban Golden Silver Ocean Forest Crystal Neon Secret Super Epic"
).split()
_EN_NOUN = (
    "Fox Forge Ledger Garden Rocket Harbor Atlas Canvas Lantern Compass River Studio Pulse Beacon "
    "Orbit Nest Tide Summit Quest Spark Puzzle Kingdom Farm Chef Radar Wallet Planner Coach Notes"
).split()
_EN_TAGLINE = (
    "Photo & Video Editor|AI Chat Assistant|Budget Tracker|Match 3 Puzzle|Weather Radar|"
    "Food Delivery|Sleep Sounds|Habit Tracker|Scan & Sign PDF|Learn Languages|Workout at Home|"
    "Grocery Deals|Live Sports Scores|Meditation & Calm|Idle Tycoon|Word Search|Ride Hailing|"
    "Cloud Storage|Step Counter|Recipe Book|VPN & Privacy|Music Player|Flight Tracker"
).split("|")
_EN_DEV_SUFFIX = (
    "Labs|Inc.|, LLC|Ltd.|Games|Studio|Software|Technologies|Apps Ltd|Mobile, Inc.|Co., Ltd.|"
    "Interactive|Media Group|Pte. Ltd."
).split("|")

# Per language: (first parts, second parts, developer suffixes, joiner).
_LOCAL: dict[str, tuple[list[str], list[str], list[str], str]] = {
    "ja": (
        "パズル 家計簿 モンスター 天気 乗換 写真 料理 漫画 ニュース 英会話 ポイント 占い".split(),
        "マスター 日和 ナビ ノート ライフ 冒険 クエスト ウォレット 図鑑 ランド".split(),
        ["株式会社", "合同会社", "Inc.", "Co., Ltd."],
        "",
    ),
    "zh": (
        "美团 微信 支付 外卖 地图 视频 音乐 小说 健身 天气 翻译 购物 旅行 学习".split(),
        "助手 大师 宝 管家 极速版 精选 乐园 世界 快报 商城".split(),
        ["科技有限公司", "网络技术有限公司", "信息技术有限公司", "(北京)有限公司"],
        "",
    ),
    "zh-hant": (
        "愛 台灣 港鐵 外送 相機 記帳 遊戲 天氣 購物 影音 地圖 學習".split(),
        "助手 達人 寶典 生活 通 樂園 快報 大師 商城".split(),
        ["股份有限公司", "有限公司", "科技有限公司"],
        "",
    ),
    "ko": (
        "배달의 토스 카카오 네이버 당근 쿠팡 무신사 야놀자 스마트 행복".split(),
        "민족 뱅크 지도 마켓 플러스 택시 웹툰 여행 게임 쇼핑".split(),
        ["주식회사", "(주)", "Corp.", "Inc."],
        " ",
    ),
    "ru": (
        "Мой Сбер Яндекс Быстрый Умный Добрый Большой Весёлый Русский Лучший".split(),
        "Банк Такси Погода Маркет Карты Фитнес Кошелёк Пазл Музыка Новости".split(),
        ["ООО", "АО", "ПАО", "ИП"],
        " ",
    ),
    "ar": (
        "تطبيق عالم بيت سوق دليل نجم كنز رحلة واحة قصر".split(),
        "الطقس المال الطبخ الألعاب التسوق القرآن الأخبار الصحة السفر التعليم".split(),
        ["شركة", "مؤسسة", "LLC", "FZ-LLC"],
        " ",
    ),
    "he": (
        "שלום ישראל חדשות מזג בנק מפות אוכל משחק".split(),
        "אוויר פלוס ישיר שלי עכשיו קל מהיר".split(),
        ['בע"מ', "Ltd.", "בעמ"],
        " ",
    ),
    "hi": (
        "भारत मेरा स्मार्ट आसान तेज़ नया देसी शुभ".split(),
        "पैसा बाज़ार समाचार मौसम शिक्षा खेल संगीत यात्रा".split(),
        ["प्राइवेट लिमिटेड", "Pvt. Ltd.", "Technologies Pvt Ltd"],
        " ",
    ),
    "th": (
        "ไทย สบาย ช้อป เป๋าตัง ข่าว เกม ดู กิน".split(),
        "ดี พลัส ง่าย มาร์ท ด่วน สด เพลิน".split(),
        ["จำกัด", "บริษัท", "Co., Ltd."],
        "",
    ),
    "de": (
        "Wetter Bahn Sparkasse Rezept Fahrrad Bücher Schnell Einfach Mein Stadt".split(),
        "Radar Navigator Planer Freunde Welt Kasse Bote Helfer Kompass Zeit".split(),
        ["GmbH", "AG", "GmbH & Co. KG", "UG (haftungsbeschränkt)"],
        " ",
    ),
    "fr": (
        "Météo Mon Petit Le Bon Ma Vélo Cuisine Jeu Carte".split(),
        "Coin Banque Marché Énergie Trajet Santé Éclair Monde".split(),
        ["SAS", "SA", "SARL", "S.A.S.U."],
        " ",
    ),
    "es": (
        "Mi El La Banco Fútbol Cocina Viaje Juego Tienda Ruta".split(),
        "Fácil Rápido Mundo Ahorro Amigos Clima Música Salud".split(),
        ["S.A.", "S.L.", "S.A. de C.V.", "SpA"],
        " ",
    ),
    "pt": (
        "Meu Banco Receita Jogo Viagem Loja Saúde Futebol".split(),
        "Fácil Já Mais Brasil Pago Direto Amigo Mundo".split(),
        ["Ltda.", "S.A.", "Tecnologia Ltda", "Lda."],
        " ",
    ),
}

# Names and developers that break naive CSV, terminals, spreadsheets and layout code.
HOSTILE_NAMES: tuple[str, ...] = (
    'Say "Hello" Translator',
    "Budget, Bills, and Money",
    "Line One\nLine Two Notes",
    '=HYPERLINK("http://example.invalid","Click")',
    "+1 Calls & Texts",
    "-5 Minute Workout",
    "@Home Organizer",
    "\u202eppA txeT\u202c Mirror",
    "שלום Chat - צ'אט",
    "Tab\tSeparated Sheets",
    "Cafe\u0301 Cre\u0300me Recipes",
    "O'Reilly's Field Guide",
    "<script>alert(1)</script> Notes",
    "Back\\slash; Tools | Pro",
    "👨‍👩‍👧‍👦 Family Locator",
    "🔥 Streak: Habit Tracker 🔥",
    "Zero\u200bWidth Space",
    "A Very Long Name That Keeps Going " + "and Going " * 20 + "Until It Stops",
)
HOSTILE_DEVELOPERS: tuple[str, ...] = (
    "=cmd|' /C calc'!A0",
    'Acme, "Quoted" Ltd.',
    "@dev_team",
    "-Minus Software",
    "+Plus Apps",
    "Line\nBreak GmbH",
    "مطور التطبيقات",
    'חברת תוכנה בע"מ',
)
FEATURES: tuple[str, ...] = (
    "Works offline, syncs when you are back online",
    "Dark mode & widgets",
    "No ads in the first week",
    "Share with friends and family",
    "Private: your data stays on your device",
    "New levels every week",
    "Apple Watch companion app",
    "Live Activities and Dynamic Island support",
)
_PREFIX_FORMS = frozenset({"ООО", "АО", "ПАО", "ИП", "شركة", "مؤسسة"})
_EMOJI = ("🎉", "🔥", "✨", "🚀", "🐱", "🍜", "⚽", "💸", "🌙", "🎮")


def app_name(rng: random.Random, language: str) -> str:
    """A plausible app name in `language` ("en" or a key of LANGUAGE_BY_COUNTRY's values)."""
    if language in _LOCAL:
        first, second, _, joiner = _LOCAL[language]
        name = rng.choice(first) + joiner + rng.choice(second)
        if rng.random() < 0.35:
            name += rng.choice(("-", " - ", ": ", " ")) + rng.choice(_EN_TAGLINE)
        return name
    name = rng.choice(_EN_ADJ) + " " + rng.choice(_EN_NOUN)
    roll = rng.random()
    if roll < 0.45:
        name += rng.choice((": ", " - ", " – ")) + rng.choice(_EN_TAGLINE)
    elif roll < 0.55:
        name = (
            f"{rng.choice(_EMOJI)} {name}" if rng.random() < 0.5 else f"{name} {rng.choice(_EMOJI)}"
        )
    return name


def developer_name(rng: random.Random, language: str) -> str:
    """A plausible developer (artist) name in `language`."""
    if language in _LOCAL and rng.random() < 0.7:
        first, second, suffixes, joiner = _LOCAL[language]
        suffix = rng.choice(suffixes)
        base = rng.choice(first) + joiner + rng.choice(second)
        if suffix in _PREFIX_FORMS:
            return f"{suffix} {base}"
        return f"{base}{suffix}" if joiner == "" else f"{base} {suffix}"
    suffix = rng.choice(_EN_DEV_SUFFIX)
    base = rng.choice(_EN_NOUN) + rng.choice(("", " " + rng.choice(_EN_NOUN), "ly", "io"))
    return base + suffix if suffix.startswith(",") else f"{base} {suffix}"


@lru_cache(maxsize=65_536)
def slug(name: str) -> str:
    """The URL slug Apple derives from a name: lower-case, dashes, non-ASCII percent-encoded."""
    text = unicodedata.normalize("NFC", name).lower()
    text = re.sub(r"[\s\W_]+", "-", text, flags=re.UNICODE).strip("-")[:60] or "app"
    return quote(text, safe="-")


def bundle_id(rng: random.Random, developer: str) -> str:
    """A reverse-DNS bundle id, ASCII only."""
    ascii_dev = re.sub(r"[^a-z0-9]", "", developer.lower())[:14] or f"dev{rng.randrange(10**5)}"
    return f"com.{ascii_dev}.{rng.choice(_EN_NOUN).lower()}{rng.randrange(100)}"
