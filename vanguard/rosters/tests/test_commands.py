import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError

from vanguard.core import people
from vanguard.members.models import Member

pytestmark = pytest.mark.django_db


def roster(path, id_number):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "性别", "身份证号", "入党时间"])
    sheet.write_row(1, 0, ["命令行", "男", id_number, "2001-07-01"])
    book.close()
    return path


def test_dry_run_then_commit(city, tmp_path, capsys):
    import datetime
    import random

    number = people.id_number(random.Random(9), datetime.date(1975, 5, 5), "M")
    path = roster(tmp_path / "r.xlsx", number)
    call_command("import_members", str(path), "--org", city.branch_a.code, "--dry-run", "--user", "sec_a")
    assert "1 would be created" in capsys.readouterr().out
    assert not Member.objects.filter(name="命令行").exists()
    call_command("import_members", str(path), "--org", city.branch_a.code, "--user", "sec_a")
    assert Member.objects.get(name="命令行").organisation == city.branch_a


def test_bad_file_fails_and_names_the_row(city, tmp_path, capsys):
    path = roster(tmp_path / "r.xlsx", "110105194912310021")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_members", str(path), "--org", city.branch_a.code, "--user", "sec_a")
    assert "row 2, column C" in capsys.readouterr().out


def test_unknown_org_code(city, tmp_path):
    with pytest.raises(CommandError, match="No organisation"):
        call_command("import_orgs", str(roster(tmp_path / "r.xlsx", "x")), "--org", "NOPE", "--user", "sec_a")
