"""The columns of a roster (花名册) and the many ways offices head them.

Headers are matched after `normalise_header` (no spaces, Simplified script,
no parentheses), so '姓 名', '身份證號碼（18位）' and '身份证号码' all match.
Each column also answers to its label in every UI language, so a file
exported in any language imports again.
"""

from __future__ import annotations

from functools import cache, lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from vanguard.core.spreadsheets import Column, normalise_header
from vanguard.members.models import Category, Education, Gender, Status
from vanguard.orgs.models import Kind, Sector

# (key, export label, extra headers offices use, required)
MEMBER_COLUMN_SPECS = [
    ("seq", _("No."), ["序号", "编号", "序", "no", "#"], False),
    ("name", _("Full name"), ["姓名", "名字", "党员姓名", "name"], True),
    ("gender", _("Gender"), ["性别", "sex"], False),
    ("ethnicity", _("Ethnicity"), ["民族", "族别"], False),
    ("birth_date", _("Birth date"), ["出生日期", "出生年月", "出生年月日", "生日", "出生时间", "date of birth"], False),
    ("education", _("Education"), ["学历", "文化程度", "最高学历", "文化"], False),
    ("id_number", _("ID number"), ["身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "id"], True),
    ("joined_on", _("Date joined"), ["入党时间", "入党日期", "入党年月", "入党年月日"], True),
    ("status", _("Status"), ["党员状态", "党籍状态", "正式/预备", "人员类别", "党员身份"], False),
    ("category", _("Category"), ["党员类别", "类别", "党员类型", "党员分类"], False),
    ("mobile_since", _("Away since"), ["外出时间", "流动时间", "外出日期", "外出年月"], False),
    ("mobile_place", _("Place away"), ["外出地点", "流动去向", "外出去向", "流入地", "外出务工地点"], False),
    ("organisation_name", _("Organisation"), ["所在党组织", "所在支部", "党组织名称", "所在党支部", "党支部"], False),
    ("organisation_code", _("Organisation code"), ["党组织代码", "所在党组织代码", "组织代码", "支部代码"], False),
    ("work_unit", _("Work unit"), ["工作单位", "单位", "工作单位及职务"], False),
    ("post", _("Post"), ["职务", "岗位", "职务职称", "现任职务"], False),
    ("phone", _("Phone"), ["联系电话", "手机", "电话", "手机号码", "联系方式", "手机号"], False),
    # Written by every export (rosters.member_keys): it matches a row whose ID number the export masked.
    ("member_key", _("Member key"), ["党员编号", "党员唯一编号", "党员识别码", "member key"], False),
]

# The member fields a roster may carry, in the order the import reads them.
MEMBER_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "education", "joined_on", "status", "category",
    "mobile_since", "mobile_place", "work_unit", "post", "phone",
)  # fmt: skip

ORGANISATION_COLUMN_SPECS = [
    ("seq", _("No."), ["序号", "编号", "序"], False),
    ("name", _("Name"), ["名称", "党组织名称", "组织名称", "党组织", "单位名称"], True),
    ("kind", _("Kind"), ["类别", "组织类别", "党组织类别", "类型", "党组织类型"], True),
    ("sector", _("Sector"), ["领域", "所属领域", "行业", "单位性质"], False),
    ("code", _("Official code"), ["党组织代码", "组织代码", "代码"], True),
    ("parent_code", _("Parent code"), ["上级党组织代码", "上级代码", "上级组织代码"], True),
    ("parent_name", _("Parent"), ["上级党组织", "上级党组织名称", "上级组织"], False),
]


def normalise_name(value: str) -> str:
    """A name as the import reads it and the export writes it, so that a round trip changes nothing.

    Spaces between Chinese characters are dropped ('张  三', padded to line
    up with three-character names, is 张三); between two Latin letters or
    digits one is kept ('John  Smith' is 'John Smith').
    """
    parts = value.split()
    if len(parts) <= 1:
        return parts[0] if parts else ""
    joined = parts[0]
    for part in parts[1:]:
        latin = joined[-1].isascii() and joined[-1].isalnum() and part[0].isascii() and part[0].isalnum()
        joined += (" " if latin else "") + part
    return joined


def _labels_in_every_language(label) -> list[str]:
    names = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.append(str(label))
    return names


def build_columns(specs) -> list[Column]:
    return [
        Column(key=key, headers=[*extra, *_labels_in_every_language(label)], required=required)
        for key, label, extra, required in specs
    ]


@lru_cache(maxsize=1)
def member_columns() -> list[Column]:
    return build_columns(MEMBER_COLUMN_SPECS)


@lru_cache(maxsize=1)
def organisation_columns() -> list[Column]:
    return build_columns(ORGANISATION_COLUMN_SPECS)


def header_label(specs, key: str) -> str:
    return str(next(label for k, label, _extra, _req in specs if k == key))


# Words offices write in the cells of choice columns, beyond the labels themselves.
CHOICE_SYNONYMS = {
    "gender": {
        "男": Gender.MALE,
        "男性": Gender.MALE,
        "m": Gender.MALE,
        "女": Gender.FEMALE,
        "女性": Gender.FEMALE,
        "f": Gender.FEMALE,
    },
    "status": {
        "正式": Status.FULL,
        "正式党员": Status.FULL,
        "预备": Status.PROBATIONARY,
        "预备党员": Status.PROBATIONARY,
    },
    "category": {
        "普通": Category.ORDINARY,
        "普通党员": Category.ORDINARY,
        "在职党员": Category.ORDINARY,
        "在职": Category.ORDINARY,
        "一般党员": Category.ORDINARY,
        "党员领导干部": Category.LEADER,
        "领导干部": Category.LEADER,
        "流动": Category.MOBILE,
        "流动党员": Category.MOBILE,
        "下岗": Category.LAID_OFF,
        "失业": Category.LAID_OFF,
        "下岗失业": Category.LAID_OFF,
        "下岗失业党员": Category.LAID_OFF,
        "离退休": Category.RETIRED,
        "退休": Category.RETIRED,
        "离休": Category.RETIRED,
        "离退休党员": Category.RETIRED,
        "年老体弱": Category.ELDERLY,
        "年老体弱党员": Category.ELDERLY,
        "在册不在岗": Category.NOT_AT_POST,
        "在册不在岗党员": Category.NOT_AT_POST,
        "失联": Category.LOST_CONTACT,
        "失去联系": Category.LOST_CONTACT,
        "失联党员": Category.LOST_CONTACT,
    },
    "education": {
        "研究生": Education.POSTGRADUATE,
        "博士": Education.POSTGRADUATE,
        "硕士": Education.POSTGRADUATE,
        "博士研究生": Education.POSTGRADUATE,
        "硕士研究生": Education.POSTGRADUATE,
        "大学": Education.UNIVERSITY,
        "本科": Education.UNIVERSITY,
        "大学本科": Education.UNIVERSITY,
        "大专": Education.COLLEGE,
        "大学专科": Education.COLLEGE,
        "专科": Education.COLLEGE,
        "高中": Education.SECONDARY,
        "中专": Education.SECONDARY,
        "中技": Education.SECONDARY,
        "职高": Education.SECONDARY,
        "初中": Education.JUNIOR,
        "小学": Education.PRIMARY,
        "文盲": Education.PRIMARY,
        "半文盲": Education.PRIMARY,
    },
}
CHOICES = {
    "gender": Gender,
    "status": Status,
    "category": Category,
    "education": Education,
    "kind": Kind,
    "sector": Sector,
}


@cache
def choice_lookup(key: str) -> dict[str, str]:
    """Normalised cell text → stored value, from the labels in every language, the values and synonyms."""
    lookup: dict[str, str] = {}
    for value, label in CHOICES[key].choices:
        lookup[normalise_header(value)] = value
        for name in _labels_in_every_language(label):
            lookup[normalise_header(name)] = value
    for word, value in CHOICE_SYNONYMS.get(key, {}).items():
        lookup[normalise_header(word)] = value
    return lookup


TOTAL_ROW_WORDS = {normalise_header(w) for w in ("合计", "总计", "小计", "共计", "total", "合計", "總計")}
