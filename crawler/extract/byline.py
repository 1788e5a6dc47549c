"""Author: labelled bylines near the headline or at the body's end, bare names under the headline, then
JSON-LD and author meta tags; an editor's name only when nothing better is found."""

from __future__ import annotations

import re
from typing import Any

from crawler.extract.utils import CJK

_AUTHOR_META = (
    "citation_author",
    "article:author",
    "author",
    "dc.creator",
    "byline",
    "sailthru.author",
    "contentauthor",
)


def find_author(
    head_text: str, tail_text: str, body: str, meta: dict[str, str], ld: list[dict[str, Any]]
) -> str | None:
    """The article's author from the head region (headline to body), the tail region, JSON-LD, meta tags."""
    candidates = _author_candidates(head_text, tail_text, "\n".join(body.split("\n")[-3:]))
    author = candidates[0][2] if candidates and candidates[0][0] < 3 else None
    if author is None:
        for item in ld:
            author = _ld_author(item)
            if author:
                break
    if author is None:
        for key in _AUTHOR_META:
            val = meta.get(key, "").strip()
            name = _names_after(re.split(r"[,;，；]", val)[0], latin=True, surname=True) if val else None
            if name:
                author = name
                break
    if author is None and candidates:
        author = candidates[0][2]  # only an editor's name was found
    return author


def _ld_author(item: dict[str, Any]) -> str | None:
    author = item.get("author")
    if isinstance(author, list) and author:
        author = author[0]
    if isinstance(author, dict):
        author = author.get("name")
    return author.strip() if isinstance(author, str) and author.strip() else None


_NAME_WORDS = re.compile(
    r"^(?:本报|本台|本网|记者|编辑|责编|来源|时间|日期|新闻|报道|通讯员|实习生|摄影|综合|整理|网友|转载|原创|未知|佚名|"
    r"匿名|管理员|admin|administrator|发布|作者|阅读|评论|分享|打印|关闭|首页|正文|返回|更多|点击|详情|字号|图片|视频|"
    r"责任编辑|文章|专栏|博客|我的|个人|中国|新华社|人民网|新华网|小编|本站|网站|关注|粉丝|收藏|点赞|转发|举报|回复|"
    r"登录|注册|申请版主|版主|楼主|精华|置顶|热门|推荐|相关|最新|查看|全文|原文|简介|目录|上一页|下一页)$",
    re.I,
)
# common Chinese surnames (the 百家姓 ones still in wide use); a bare name without a byline label must start with one
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂"
    "章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解"
    "牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆"
    "朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战"
    "慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
)


def _surname_ok(name: str) -> bool:
    return name[:1] in _SURNAMES or name[:2] in _COMPOUND_SURNAMES or "·" in name


_CJK_NAME = re.compile(r"^[\u4e00-\u9fa5]{2,4}$|^[\u4e00-\u9fa5]{1,6}·[\u4e00-\u9fa5·]{1,10}$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{1,24}$")
_REPORT_TAIL = re.compile(r"(?:[\u4e00-\u9fa5]{0,6}报道|发自.*|摄影?|/?文|电|讯|供稿|撰稿)$")


def _names_after(text: str, *, latin: bool, surname: bool = False, short: bool = False) -> str | None:
    """The run of person names at the start of `text` (tokens split by spaces or 、), or None."""
    text = re.split(r"[）)\]】【\[。；;：:！!？?\n]", text.strip(), maxsplit=1)[0]
    tokens = [t for t in re.split(r"[ \t\u3000\xa0、，,/]+", text) if t]
    merged: list[str] = []
    for token in tokens:  # "王 勇" is a two-character name padded with a space
        if merged and len(merged[-1]) == 1 and len(token) == 1 and CJK.match(token) and CJK.match(merged[-1]):
            merged[-1] += token
        else:
            merged.append(token)
    names: list[str] = []
    for token in merged:
        token = token.strip("（([【 |")
        tail = _REPORT_TAIL.search(token) if len(token) > 2 and not _LATIN_NAME.match(token) else None
        if tail:
            token = token[: tail.start()]
        if short and len(token) > 3 and "·" not in token:
            break  # unlabelled names: 2-3 characters, as nearly all Chinese names are
        ok = (_CJK_NAME.match(token) and (not surname or _surname_ok(token))) or (
            latin and _LATIN_NAME.match(token) and not token.isdigit()
        )
        if not ok or _NAME_WORDS.match(token):
            break
        names.append(token)
        if tail:
            break
    return " ".join(names) if names else None


_BYLINE_LABELS = [
    # (priority, label pattern, latin names allowed, surname required)
    (
        0,
        re.compile(r"(?:作\s*者|撰\s*稿|撰\s*文|执笔人?|作者署名|(?:^|[\s（(])文)\s*[：:/｜|]\s*", re.M),
        True,
        False,
    ),
    (0, re.compile(r"本[贴帖]由\s*(?=\S+?于)"), True, False),
    (1, re.compile(r"[（(]\s*(?:[\u4e00-\u9fa5]{0,6}记者|通讯员)\s*"), False, False),
    (1, re.compile(r"(?:记\s*者|实习生|通讯员|特约撰稿人?)\s*[：:]?\s*"), False, True),
    (3, re.compile(r"(?:责任编辑|责\s*编|编\s*辑)\s*[：:]\s*"), True, False),
]
_PAREN_NAMES = re.compile(
    r"[（(]\s*((?:[\u4e00-\u9fa5·]{2,10}[ \u3000、]*){1,6}?)\s*(?:[\u4e00-\u9fa5]{2,6}报道)?\s*[)）]\s*$"
)
_BRACKET_NAMES = re.compile(r"[\[【]\s*([\u4e00-\u9fa5·、 ]{2,20}?)\s*[\]】]")


def _author_candidates(head: str, tail: str, body_tail: str = "") -> list[tuple[int, int, str]]:
    """(priority, position, name) for bylines in the head region (title to body) and the body's end."""
    found: list[tuple[int, int, str]] = []
    for offset, region in ((0, head), (100_000, tail)):
        for prio, label, latin, surname in _BYLINE_LABELS:
            for m in label.finditer(region):
                line_rest = region[m.end() :].split("\n", 1)[0]
                name = _names_after(line_rest, latin=latin, surname=surname)
                if name:
                    found.append((prio, offset + m.start(), name))
    for line in (body_tail or tail).split("\n")[-3:]:
        m = _PAREN_NAMES.search(line.strip())
        if m:
            name = _names_after(m.group(1), latin=False, surname=True, short=True)
            if name:
                found.append((2, 200_000, name))
    for m in _BRACKET_NAMES.finditer(head):
        name = _names_after(m.group(1), latin=False, surname=True, short=True)
        if name and len(name.replace(" ", "")) >= len(m.group(1).replace(" ", "").replace("、", "")) - 1:
            found.append((2, 250_000 + m.start(), name))
    for i, line in enumerate(head.split("\n")[1:4]):
        line = line.strip()
        if 2 <= len(line) <= 30 and re.fullmatch(r"[\u4e00-\u9fa5·、 ]+", line):
            name = _names_after(line, latin=False, surname=True, short=True)
            if name and len(name.replace(" ", "")) >= len(line.replace(" ", "").replace("、", "")) - 1:
                found.append((2, 300_000 + i, name))
    found.sort(key=lambda f: (f[0], f[1]))
    return found
