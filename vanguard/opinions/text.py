"""Chinese opinion text made comparable: one script, one width, segmented words, a fingerprint for duplicates.

People write the same complaint in Simplified or Traditional script, with full-width
or half-width digits and punctuation, and with stray spaces; all of these are the
same words, so grouping and routing see text only after `normalise`.
"""

# ruff: noqa: E501 (tables of Chinese words: ruff counts each as two columns)

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from functools import lru_cache

from vanguard.core.chinese import to_simplified

_SPACES = re.compile(r"\s+")
# Anything that is not a letter or digit of any script (punctuation, symbols, emoji, spaces).
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)

# Words that occur in every kind of complaint and so say nothing of its topic: particles, pronouns,
# politeness and the generic vocabulary of complaining ("反映", "希望", "问题").
STOP_WORDS = frozenset(
    """
    的 了 是 在 和 有 也 就 都 还 又 很 太 非常 特别 比较 这 那 这个 那个 这些 那些 这里 那里 这样 那样 我 我们 你 你们 他
    他们 她 它 大家 自己 咱 咱们 吗 吧 呢 啊 呀 哦 嘛 啦 么 着 过 被 把 给 让 对 从 到 向 跟 与 及 或 或者 以及 而 但 但是 可是
    因为 所以 如果 虽然 而且 并且 然后 还是 只是 就是 不是 一个 一些 一下 一直 已经 现在 目前 今天 每天 经常 总是 老是 多次 好几次
    什么 怎么 怎么办 为什么 为啥 哪 哪里 谁 多少 能 能不能 会 可以 要 想 应该 需要 希望 请 请问 麻烦 谢谢 感谢 您好 你好
    领导 相关 有关 部门 问题 情况 反映 反应 建议 意见 投诉 举报 关于 一 二 三 个 些 下 上 里 中 后 前 时 时候 啥 没 没有 不 得
    地 之 其 该 此 并 等 等等 呗 哈 嗯 吧 哎 唉 呵呵 另外 还有 尽快 及时 处理 解决 看看 帮忙 一点 真的 实在 根本 简直 到底
    """.split()
)

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    """jieba, with its dictionary loaded once per process (about a second) and its chatter silenced."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def normalise(text: str) -> str:
    """Simplified script, NFKC (full-width letters and digits become plain), single spaces, lower-case latin."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text)
    return _SPACES.sub(" ", text).strip().lower()


def _is_word(token: str) -> bool:
    return bool(token.strip()) and not _NOT_WORD.fullmatch(token) and token not in STOP_WORDS


@lru_cache(maxsize=65536)
def _segment(normalised: str) -> tuple[str, ...]:
    # Without jieba's HMM (which guesses words missing from its dictionary): twice as fast, and a missing word
    # split into characters still says what the text is about; 100 000 opinions must group within a minute.
    return tuple(t for t in _jieba().lcut(normalised, HMM=False) if _is_word(t))


def tokens(text: str) -> list[str]:
    """The words of `text` (normalised, segmented by jieba), without stop words, punctuation and spaces."""
    return list(_segment(normalise(text)))


def tokens_of_normalised(normalised: str) -> list[str]:
    """`tokens` for text already through `normalise` (grouping normalises once and segments once)."""
    return list(_segment(normalised))


def bare(normalised: str) -> str:
    """Normalised text without punctuation, symbols and spaces: what two copies of one complaint share."""
    return _NOT_WORD.sub("", normalised)


def fingerprint(text: str) -> str:
    """Equal for texts that differ only in script, width, spacing, case or punctuation."""
    normal = normalise(text)
    # text of punctuation or emoji only is empty when bare: compare it as written instead
    return hashlib.blake2b((bare(normal) or normal).encode("utf-8"), digest_size=12).hexdigest()
