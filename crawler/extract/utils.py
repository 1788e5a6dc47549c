"""Text helpers shared by the extractors: whitespace, character classes, boilerplate lines."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")
SENT_PUNCT = set("，。！？；、”")
BOILERPLATE = re.compile(
    r"^(?:[【\[（(]?\s*(?:责任编辑|编辑|责编|校对|审核|审校|监制|值班编辑)\s*[：:].{0,30}$)|"
    r"版权所有|Copyright|©|ICP备|ICP证|未经.{0,10}(?:授权|许可).{0,12}(?:转载|使用)|"
    r"^(?:分享到|打印本页|关闭窗口|打印|关闭|返回顶部|【打印】|【关闭】|字号|纠错|扫一扫|点击进入|相关新闻|相关阅读|延伸阅读|推荐阅读|热点推荐)|"
    r"^上一篇|^下一篇|^(?:我要)?(?:发表)?评论|^网友评论|^(?:查看|更多).{0,8}(?:评论|新闻|>>)",
    re.I,
)
_WS = re.compile(r"\s+")


def clean_space(text: str) -> str:
    return _WS.sub(" ", text.replace("\u3000", " ").replace("\xa0", " ")).strip()


def nonspace_len(text: str) -> int:
    return sum(1 for c in text if not c.isspace())
