"""One password policy wherever a password is set: length or passphrase, no common passwords,
no personal data, no patterns, no word-plus-year; messages in the user's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from zi_assess.auth.passwords import check_password_policy, common_passwords, password_problems


@pytest.mark.parametrize(("password", "codes"), [
    ("pendek", ["too_short"]),
    ("correct horse battery", []),  # 21 characters
    ("aku suka kopi", []),  # a passphrase of 4 words, 13 characters
    ("ya ya ya ya", ["too_short", "common"]),  # not a passphrase: one word repeated
    ("password1234", ["common"]),
    ("P@ssw0rd2024", ["common", "year"]),
    ("Indonesia!2026", ["common", "year"]),
    ("bismillah12345", ["common"]),
    ("qwertyuiop12", ["common", "pattern"]),
    ("aaaaaaaaaaaaaaaa", ["common", "pattern"]),
    ("abcdefgh12345678", ["common", "pattern"]),
    ("hijklmno12345678", ["pattern"]),
    ("zxcvasdfqwer1", ["pattern"]),
    ("kerupukbawang2025", ["year"]),
    ("Lembah-Harau-1987", ["year"]),
    ("sitiaminah-kopi-tubruk", ["personal"]),
    ("Tanjung1234Priok", []),
    ("lembayung senja di pantai", []),
])
def test_the_rules(app, password, codes):
    assert password_problems(password, email="siti.aminah@unit.go.id", name="Siti Aminah") == codes


def test_the_common_list_is_shipped_data_of_thousands():
    common = common_passwords()
    assert len(common) > 3000
    assert {"123456", "password", "qwerty123", "indonesia2024", "bismillah"} <= common


def test_messages_in_the_users_language(app):
    with app.test_request_context():
        with force_locale("id"):
            (message,) = check_password_policy("kopi")
            assert "terlalu pendek" in message
        with force_locale("en"):
            assert check_password_policy("siti-aminah-kopi", email="siti@x.id", name="Siti Aminah") == [
                "The password must not contain your name or e-mail address."]


def test_cli_user_create_applies_the_policy(runner):
    result = runner.invoke(args=["users", "create", "--email", "budi@unit.go.id", "--name", "Budi Santoso",
                                 "--password", "budisantoso99"])
    assert result.exit_code != 0 and "nama atau alamat email" in result.output
    result = runner.invoke(args=["users", "create", "--email", "budi@unit.go.id", "--name", "Budi Santoso",
                                 "--password", "lembayung senja di pantai"])
    assert result.exit_code == 0, result.output


def test_change_and_reset_refuse_a_common_password(app, make_user, login):
    from tests.conftest import PASSWORD

    client = login(make_user())
    response = client.post("/akun/kata-sandi", data={"current_password": PASSWORD, "new_password": "password1234",
                                                      "confirm": "password1234"})
    assert response.status_code == 400 and "paling sering dipakai" in response.get_data(as_text=True)


def test_the_shipped_list_is_what_the_generator_makes():
    from pathlib import Path

    from zi_assess.auth import common_passwords as generator

    shipped = Path(generator.__file__).with_name("common_passwords.txt").read_text().split()
    assert shipped == generator.generate()
