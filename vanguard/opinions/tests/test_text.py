"""Opinion text made comparable: one script and width, jieba's words, fingerprints of duplicates."""

from __future__ import annotations

from vanguard.opinions import text


def test_normalise_makes_traditional_simplified_and_full_width_plain():
    assert text.normalise("  我們社區的\u3000路燈壞了  ＡＢＣ１２３ ") == "我们社区的 路灯坏了 abc123"
    assert text.normalise("") == ""


def test_tokens_are_words_without_stop_words_or_punctuation():
    words = text.tokens("我們社區的路燈壞了很久，希望盡快修理！！")
    assert "社区" in words and "路灯" in words and "修理" in words
    assert not {"的", "我们", "希望", "，", "！", " "} & set(words)
    assert text.tokens("？？？ ！！") == []


def test_fingerprint_ignores_script_width_space_case_and_punctuation_only():
    same = ["小區路燈壞了！", "小区路灯坏了。", " 小区 路灯坏了 ", "小区路灯坏了!!!"]
    assert len({text.fingerprint(t) for t in same}) == 1
    assert text.fingerprint("小区路灯坏了") != text.fingerprint("小区路灯修好了")
    assert text.fingerprint("ABC 门") == text.fingerprint("abc门")
