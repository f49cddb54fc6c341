"""Names for the synthetic world: Korean firms (romanised + Hangul), foreign firms (Latin and,
for Chinese-speaking countries, Chinese script), Korean persons, and the spelling variants
under which the same firm appears on invoices and bank messages.

Variants are what entity resolution has to undo: letter case, punctuation, legal-form
abbreviations (``Limited``/``Ltd``), trade abbreviations (``Trading``/``Trdg``), a dropped
legal form, one transposed letter, or the firm's local-script name.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> seen = {spelling_variant("Golden Harbor Trading Co., Ltd.", None, rng) for _ in range(200)}
>>> "Golden Harbor Trading Co., Ltd." in seen, "GOLDEN HARBOR TRDG CO LTD" in seen
(True, True)
"""

from __future__ import annotations

import numpy as np

# (romanisation, Hangul) syllables; company names take two, so about 1,600 stems.
_KR_SYLLABLES = [
    ("Dae", "대"),
    ("Sung", "성"),
    ("Han", "한"),
    ("Il", "일"),
    ("Jin", "진"),
    ("Hwa", "화"),
    ("Kwang", "광"),
    ("Myung", "명"),
    ("Seo", "서"),
    ("Woo", "우"),
    ("Young", "영"),
    ("Sam", "삼"),
    ("Dong", "동"),
    ("Nam", "남"),
    ("Bu", "부"),
    ("Hyun", "현"),
    ("Tae", "태"),
    ("Jung", "정"),
    ("Kyung", "경"),
    ("Shin", "신"),
    ("Won", "원"),
    ("Hae", "해"),
    ("Chang", "창"),
    ("Se", "세"),
    ("Mi", "미"),
    ("Yu", "유"),
    ("Pyung", "평"),
    ("Gang", "강"),
    ("Ho", "호"),
    ("Su", "수"),
    ("Bo", "보"),
    ("Chun", "천"),
    ("Heung", "흥"),
    ("Ah", "아"),
    ("Ra", "라"),
    ("Do", "도"),
    ("Gwang", "광"),
    ("Sin", "신"),
    ("In", "인"),
    ("Yeon", "연"),
]
_KR_KIND = {
    "electronics": [("Electronics", "전자"), ("Semitech", "세미텍"), ("Digital", "디지털")],
    "machinery": [("Machinery", "기계"), ("Engineering", "엔지니어링"), ("Precision", "정밀")],
    "auto_parts": [("Motors", "모터스"), ("Auto Parts", "오토파츠"), ("Industrial", "산업")],
    "steel": [("Steel", "철강"), ("Metal", "금속"), ("Industrial", "산업")],
    "chemicals": [("Chemical", "화학"), ("Pharm", "제약"), ("Materials", "소재")],
    "cosmetics": [("Cosmetics", "화장품"), ("Beauty", "뷰티"), ("Bio", "바이오")],
    "textiles": [("Textile", "섬유"), ("Fashion", "패션"), ("Apparel", "어패럴")],
    "luxury": [("Luxury", "럭셔리"), ("Boutique", "부티크"), ("International", "인터내셔널")],
    "food": [("Foods", "식품"), ("Agro", "농산"), ("Trading", "무역")],
}
_KR_FORMS = [("Co., Ltd.", "주식회사 {}"), ("Corp.", "(주){}"), ("Co., Ltd.", "{} 주식회사")]

_FOREIGN_ADJ = [
    "Golden",
    "Pacific",
    "Ocean",
    "Silver",
    "Eastern",
    "Grand",
    "Prime",
    "Apex",
    "Royal",
    "Lucky",
    "Bright",
    "Northern",
    "Western",
    "Blue",
    "Green",
    "Red",
    "Great",
    "Sun",
    "Star",
    "Summit",
    "Crystal",
    "Diamond",
    "Jade",
    "Global",
    "United",
    "Allied",
    "Premier",
    "Noble",
    "Swift",
    "Harmony",
    "Fortune",
    "Orient",
    "Atlas",
    "Delta",
    "Crown",
    "Eagle",
    "Phoenix",
    "Lotus",
    "Maple",
    "Coral",
    "Vista",
]
_FOREIGN_NOUN = [
    "Harbor",
    "Bridge",
    "River",
    "Mountain",
    "Dragon",
    "Tiger",
    "Lion",
    "Bay",
    "Gate",
    "Field",
    "Stone",
    "Bell",
    "Wave",
    "Wind",
    "Light",
    "Rock",
    "Tree",
    "Coast",
    "Valley",
    "Crest",
    "Ridge",
    "Point",
    "Peak",
    "Link",
    "Way",
    "Path",
    "Port",
    "Cloud",
    "Leaf",
    "Sky",
    "Lake",
    "Rise",
    "Horizon",
    "Spring",
    "Land",
    "Island",
    "Castle",
    "Garden",
    "Forest",
    "Tower",
]
_FOREIGN_TRADE = [
    "Trading",
    "Industries",
    "Holdings",
    "Import Export",
    "International",
    "Supply",
    "Resources",
    "Enterprise",
    "Commerce",
    "Logistics",
]
_FORMS_BY_COUNTRY = {
    "CN": ["Co., Ltd."],
    "HK": ["Limited", "Co., Ltd."],
    "SG": ["Pte. Ltd."],
    "DE": ["GmbH"],
    "IT": ["S.r.l.", "S.p.A."],
    "FR": ["SAS", "S.A."],
    "JP": ["Co., Ltd.", "K.K."],
    "US": ["Inc.", "LLC", "Corp."],
    "GB": ["Ltd", "Limited"],
    "AE": ["FZE", "LLC"],
    "VN": ["Co., Ltd.", "JSC"],
    "TW": ["Co., Ltd."],
    "CH": ["AG", "SA"],
}
# Chinese-script renderings of the English words, for firms in Chinese-speaking countries.
_ZH = {
    "Golden": "金",
    "Pacific": "太平洋",
    "Ocean": "海洋",
    "Silver": "银",
    "Eastern": "东方",
    "Grand": "宏",
    "Prime": "首",
    "Royal": "皇",
    "Lucky": "福",
    "Bright": "明",
    "Great": "大",
    "Sun": "日",
    "Star": "星",
    "Dragon": "龙",
    "Tiger": "虎",
    "Jade": "玉",
    "Crystal": "晶",
    "Fortune": "富",
    "Harmony": "和",
    "Orient": "东方",
    "Lotus": "莲",
    "Crown": "冠",
}
_ZH_TRADE = {"Trading": "贸易", "Industries": "实业", "Holdings": "控股", "Commerce": "商贸"}

_SURNAMES = [
    ("Kim", "김", ["Gim", "Kim"]),
    ("Lee", "이", ["Yi", "Rhee", "Lee"]),
    ("Park", "박", ["Pak", "Bak", "Park"]),
    ("Choi", "최", ["Choe", "Choi"]),
    ("Jung", "정", ["Jeong", "Chung"]),
    ("Kang", "강", ["Gang", "Kang"]),
    ("Cho", "조", ["Jo", "Cho"]),
    ("Yoon", "윤", ["Yun", "Yoon"]),
    ("Jang", "장", ["Chang", "Jang"]),
    ("Lim", "임", ["Im", "Lim"]),
    ("Han", "한", ["Han"]),
    ("Oh", "오", ["O", "Oh"]),
    ("Seo", "서", ["Suh", "Seo"]),
    ("Shin", "신", ["Sin", "Shin"]),
    ("Kwon", "권", ["Gwon", "Kwon"]),
]
_GIVEN = [
    ("Min-jun", "민준"),
    ("Seo-yeon", "서연"),
    ("Ji-ho", "지호"),
    ("Ha-eun", "하은"),
    ("Do-yun", "도윤"),
    ("Ji-woo", "지우"),
    ("Jae-won", "재원"),
    ("Su-bin", "수빈"),
    ("Hyun-woo", "현우"),
    ("Ye-jin", "예진"),
    ("Sung-min", "성민"),
    ("Eun-ji", "은지"),
    ("Dong-hyun", "동현"),
    ("Mi-kyung", "미경"),
    ("Young-ho", "영호"),
    ("Jin-young", "진영"),
    ("Sang-woo", "상우"),
    ("Hye-jin", "혜진"),
    ("Jun-seo", "준서"),
    ("Yu-na", "유나"),
    ("Tae-hoon", "태훈"),
    ("So-yeon", "소연"),
    ("Kyung-soo", "경수"),
    ("Na-rae", "나래"),
]

# Substitutions a clerk or a bank makes when retyping a firm's name.
_ABBREVIATIONS = [
    ("LIMITED", "LTD"),
    ("COMPANY", "CO"),
    ("TRADING", "TRDG"),
    ("INTERNATIONAL", "INTL"),
    ("INDUSTRIES", "IND"),
    ("CORPORATION", "CORP"),
    ("ENTERPRISE", "ENT"),
]


def korean_company_names(
    n: int, industries: np.ndarray, rng: np.random.Generator
) -> tuple[list[str], list[str]]:
    """``n`` (romanised, Hangul) Korean firm names; stems repeat only past ~1,600 firms."""
    latin, local = [], []
    syll = len(_KR_SYLLABLES)
    stems = rng.permutation(syll * syll)
    for i in range(n):
        a, b = divmod(int(stems[i % len(stems)]), syll)
        kind_r, kind_h = _KR_KIND[str(industries[i])][int(rng.integers(3))]
        form_r, form_h = _KR_FORMS[int(rng.integers(len(_KR_FORMS)))]
        stem_r = _KR_SYLLABLES[a][0] + _KR_SYLLABLES[b][0].lower()
        stem_h = _KR_SYLLABLES[a][1] + _KR_SYLLABLES[b][1]
        latin.append(f"{stem_r} {kind_r} {form_r}")
        local.append(form_h.format(stem_h + kind_h))
    return latin, local


def foreign_company_names(
    countries: np.ndarray, rng: np.random.Generator
) -> tuple[list[str], list[str | None]]:
    """Unique English names per foreign firm, plus a Chinese name for CN/HK/TW firms."""
    combos = len(_FOREIGN_ADJ) * len(_FOREIGN_NOUN) * len(_FOREIGN_TRADE)
    if len(countries) > combos:
        raise ValueError(f"scale: at most {combos} foreign firms can be named")
    picks = rng.choice(combos, size=len(countries), replace=False)
    latin: list[str] = []
    local: list[str | None] = []
    for code, country in zip(picks.tolist(), countries.tolist(), strict=True):
        rest, t = divmod(code, len(_FOREIGN_TRADE))
        a, b = divmod(rest, len(_FOREIGN_NOUN))
        adj, noun, trade = _FOREIGN_ADJ[a], _FOREIGN_NOUN[b], _FOREIGN_TRADE[t]
        forms = _FORMS_BY_COUNTRY.get(country, ["Ltd."])
        latin.append(f"{adj} {noun} {trade} {forms[int(rng.integers(len(forms)))]}")
        if country in ("CN", "HK", "TW") and adj in _ZH:
            local.append(f"{_ZH[adj]}{noun[:1]}{_ZH_TRADE.get(trade, '贸易')}有限公司")
        else:
            local.append(None)
    return latin, local


def person_names(n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """``n`` Korean persons as (romanised "Surname Given", Hangul)."""
    s = rng.integers(len(_SURNAMES), size=n)
    g = rng.integers(len(_GIVEN), size=n)
    latin = [f"{_SURNAMES[i][0]} {_GIVEN[j][0]}" for i, j in zip(s, g, strict=True)]
    local = [_SURNAMES[i][1] + _GIVEN[j][1] for i, j in zip(s, g, strict=True)]
    return latin, local


def spelling_variant(name: str, local: str | None, rng: np.random.Generator) -> str:
    """The name as a clerk or bank might write it (the canonical name 40% of the time)."""
    r = rng.random()
    if r < 0.4:
        return name
    if isinstance(local, str) and local and r < 0.5:
        return local
    out = name.upper()
    if rng.random() < 0.5:
        out = out.replace(",", "").replace(".", "")
    for long, short in _ABBREVIATIONS:
        if long in out and rng.random() < 0.5:
            out = out.replace(long, short)
    words = out.split()
    if r > 0.9 and len(words) > 3:
        words = words[:-1]  # the legal form dropped
    if r > 0.96:  # one transposed letter inside the first word
        w = words[0]
        if len(w) > 3:
            k = int(rng.integers(1, len(w) - 2))
            words[0] = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    return " ".join(words)
