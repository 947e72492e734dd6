"""Departments and their units, from several provinces and the central government.

Every name is made up in the way real ones are built (region + agency), so a
parser meets the same shapes it will meet in published documents. Codes are
invented but keep the real structure: a 6-digit region code starts every
project code, and the department code is printed in each page header.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    """A publishing department: where it is, what it does and how its codes look."""

    region: str  # 四川省, 成都市, or "" for a central ministry
    agency: str  # 水利厅, 人力资源和社会保障局, 水利部
    code: str  # the department code printed in the page header
    region_code: str  # 6 digits that open each project code ("" for central ministries)
    domain: str  # key into the project and indicator vocabularies
    code_style: str  # "hebei", "sichuan" or "generic": how project codes are written

    @property
    def name(self) -> str:
        """The full name as printed (region + agency)."""
        return f"{self.region}{self.agency}"

    @property
    def province_abbr(self) -> str:
        """The one-character abbreviation used in document numbers (川财, 冀财 …)."""
        return _PROVINCE_ABBR.get(self.region_code[:2], "财")


_PROVINCE_ABBR = {"13": "冀", "51": "川", "44": "粤", "33": "浙", "42": "鄂", "41": "豫", "": "财"}

HEBEI = (
    Department("石家庄市", "水利局", "305", "130100", "water", "hebei"),
    Department("石家庄高新区", "社会事业局", "317", "130190", "employment", "hebei"),
    Department("保定市", "农业农村局", "212", "130600", "agriculture", "hebei"),
    Department("唐山市", "教育局", "208", "130200", "education", "hebei"),
    Department("邯郸市", "卫生健康委员会", "219", "130400", "health", "hebei"),
)
SICHUAN = (
    Department("四川省", "水利厅", "118", "510000", "water", "sichuan"),
    Department("成都市", "人力资源和社会保障局", "127", "510100", "employment", "sichuan"),
    Department("绵阳市", "民政局", "133", "510700", "civil", "sichuan"),
    Department("四川省", "文化和旅游厅", "141", "510000", "culture", "sichuan"),
    Department("宜宾市", "交通运输局", "152", "511500", "transport", "sichuan"),
    Department("南充市", "生态环境局", "156", "511300", "ecology", "sichuan"),
)
OTHERS = (
    Department("广州市", "教育局", "110", "440100", "education", "generic"),
    Department("深圳市", "卫生健康委员会", "114", "440300", "health", "generic"),
    Department("杭州市", "农业农村局", "216", "330100", "agriculture", "generic"),
    Department("宁波市", "民政局", "221", "330200", "civil", "generic"),
    Department("武汉市", "水务局", "307", "420100", "water", "generic"),
    Department("郑州市", "人力资源和社会保障局", "309", "410100", "employment", "generic"),
    Department("湖北省", "机关事务管理局", "102", "420000", "admin", "generic"),
)
CENTRAL = (
    Department("", "水利部", "126", "", "water", "central"),
    Department("", "农业农村部", "125", "", "agriculture", "central"),
    Department("", "教育部", "127", "", "education", "central"),
    Department("", "人力资源社会保障部", "129", "", "employment", "central"),
    Department("", "国家卫生健康委员会", "131", "", "health", "central"),
    Department("", "民政部", "122", "", "civil", "central"),
    Department("", "生态环境部", "135", "", "ecology", "central"),
    Department("", "文化和旅游部", "138", "", "culture", "central"),
    Department("", "交通运输部", "141", "", "transport", "central"),
)
LOCAL = HEBEI + SICHUAN + OTHERS

# Subordinate units (二级单位) by domain; the department's own 机关 comes first.
_UNITS = {
    "water": ("水文水资源勘测中心", "水利工程建设管理中心", "河湖保护中心", "水利水电勘测设计研究院"),
    "employment": ("就业服务管理局", "社会保险事业管理中心", "人才交流服务中心", "劳动保障监察支队"),
    "agriculture": ("农业技术推广中心", "动物疫病预防控制中心", "农村经济经营管理站", "种子管理站"),
    "education": ("教育考试院", "学生资助管理中心", "教师发展中心", "教育技术装备中心"),
    "health": ("疾病预防控制中心", "卫生健康监督所", "妇幼保健院", "急救中心"),
    "civil": ("社会福利院", "救助管理站", "殡葬管理所", "婚姻登记中心"),
    "culture": ("图书馆", "博物馆", "文物保护中心", "文化馆"),
    "transport": ("公路事务中心", "交通运输综合执法支队", "港航事务中心", "道路运输管理所"),
    "ecology": ("生态环境监测站", "生态环境保护综合执法支队", "固体废物管理中心", "环境信息中心"),
    "admin": ("公共机构节能中心", "机关服务中心", "公务用车服务中心", "机关幼儿园"),
}


def units_of(dept: Department) -> list[tuple[str, str]]:
    """The department's units as (code, name): its own 机关 first, then its centres.

    Unit codes are the department code followed by three digits, the way
    Sichuan prints them (``501001-四川省水利厅``).
    """
    base = f"5{dept.code[-2:]}" if dept.code_style == "sichuan" else dept.code
    names = [dept.name + "机关", *(dept.region + unit for unit in _UNITS[dept.domain])]
    return [(f"{base}{index:03d}", name) for index, name in enumerate(names, start=1)]


def central_implementers(dept: Department) -> list[str]:
    """Units of a central ministry that carry out its projects (实施单位)."""
    return [dept.agency + "机关", *(dept.agency + unit for unit in _UNITS[dept.domain])]


def pick_local(rng: random.Random, style: str | None = None) -> Department:
    """A local department, optionally of one project-code style (``sichuan`` for the whole-department table)."""
    pool = [dept for dept in LOCAL if style is None or dept.code_style == style]
    return rng.choice(pool)


def pick_central(rng: random.Random) -> Department:
    """A central ministry (中央部门)."""
    return rng.choice(CENTRAL)
