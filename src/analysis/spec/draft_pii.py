"""Whether a drafted question holds personal data or free text, judged by its answers and by what
the question asks, never by a word alone (``手机价格`` and ``手机部数`` are ordinary questions).

Personal data: answers that look like mobile or landline numbers, 18-digit ID numbers with a valid
check digit (or 15-digit ones with a valid birth date), e-mail addresses or personal names (two or
three Chinese characters beginning with a common surname, nearly all different), or a question that
asks for them (姓名, 联系电话, 手机号码, 身份证号 …). Free text: answers that are many, long or
mostly different. Neither kind ever has an answer written into a draft.
"""

from __future__ import annotations

import datetime as dt
import re

from analysis.textnorm import answer_key, header_key

_PHONE = re.compile(r"^(?:\+?86[-\s]?)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")
_ID18 = re.compile(r"^[1-9]\d{5}(\d{4})(\d{2})(\d{2})\d{3}[\dXx]$")
_ID15 = re.compile(r"^[1-9]\d{5}(\d{2})(\d{2})(\d{2})\d{3}$")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_NAME = re.compile(r"^[\u4e00-\u9fff]{2,3}$")
# the commonest Chinese surnames (about 85% of the population); a name answer begins with one
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
    "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车"
    "项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝")
# what a question asks for when it asks for personal data (header_key form: no number, no spaces)
PII_ASKS = {
    "id_number": ("身份证", "证件号"),
    "phone": ("联系电话", "电话号码", "手机号", "联系方式", "电话/手机", "手机/电话", "座机号"),
    "email": ("邮箱", "电子邮件", "e-mail", "email"),
    "wechat": ("微信号", "qq号"),
    "address": ("家庭住址", "详细地址", "住址", "门牌号", "通讯地址", "居住地址"),
    "name": ("姓名", "您的名字", "真实姓名", "联系人", "签名", "填表人", "调查员", "访问员", "访员"),
}
_PII_KEYS = {"name": "name", "xm": "name", "phone": "phone", "mobile": "phone", "tel": "phone",
             "email": "email", "idcard": "id_number", "id_card": "id_number", "sfz": "id_number",
             "address": "address"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def is_id_number(text: str) -> bool:
    """An 18-digit 居民身份证号 whose check digit is right (GB 11643) or a 15-digit one with a real
    birth date."""
    text = text.strip()
    m = _ID18.match(text)
    if m:
        if not _real_date(*m.groups()):
            return False
        total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS))
        return "10X98765432"[total % 11] == text[17].upper()
    m = _ID15.match(text)
    return bool(m) and _real_date("19" + m.group(1), m.group(2), m.group(3))


def _real_date(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def looks_like(text: str) -> str | None:
    """Which personal datum one answer is shaped like: phone, id_number, email, or None."""
    t = re.sub(r"[\s()（）]", "", text)
    if _PHONE.match(t):
        return "phone"
    if is_id_number(t):
        return "id_number"
    if _EMAIL.match(text.strip()):
        return "email"
    return None


def names_share(answers: list[str]) -> float:
    """The share of answers shaped like a personal name (2–3 Chinese characters, a surname first),
    0 unless nearly all of them differ (a unit or option list repeats; people's names do not)."""
    if len(answers) < 5:
        return 0.0
    shaped = [a.strip() for a in answers if _NAME.match(a.strip()) and a.strip()[0] in SURNAMES]
    if len(set(shaped)) < 0.6 * max(1, len(shaped)):
        return 0.0
    return len(shaped) / len(answers)


def personal(header: str, answers: list[str], var_name: str = "") -> str | None:
    """The personal datum a question holds (the name the draft proposes for it), or None."""
    hk = header_key(header)
    for kind, words in PII_ASKS.items():
        if any(w in hk for w in words):
            return kind
    own = var_name.lower()
    if own in _PII_KEYS:
        return _PII_KEYS[own]
    if not answers:
        return None
    kinds = [looks_like(a) for a in answers]
    for kind in ("phone", "id_number", "email"):
        if kinds.count(kind) * 2 >= len(answers):
            return kind
    if names_share(answers) >= 0.6:
        return "name"
    return None


def free_text(answers: list[str], options: int, longest: int = 30) -> bool:
    """Answers that are many, long or mostly different: free text, not a list of options."""
    keys = [answer_key(a) for a in answers]
    distinct = set(keys)
    return (len(distinct) > options or len(distinct) * 2 > len(keys)
            or any(len(k) > longest for k in distinct) or "" in distinct)
