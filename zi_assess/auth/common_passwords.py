"""How zi_assess/auth/common_passwords.txt is made: the passwords people pick most, built from the
well-known patterns of public breach statistics (no download): common words and names in English
and Indonesian, keyboard walks and digit runs, each with the usual suffixes (digits, years, "!").

    python -m zi_assess.auth.common_passwords > zi_assess/auth/common_passwords.txt
"""

from __future__ import annotations

WORDS = """
password passw0rd pass admin administrator root user guest login welcome letmein master secret
qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm abc abcdef abcdefgh iloveyou love lover princess
sunshine shadow monkey dragon football baseball soccer basketball superman batman starwars pokemon
michael jennifer jessica charlie daniel thomas jordan hunter ranger killer trustno1 whatever
freedom flower summer winter spring autumn internet computer samsung google facebook instagram
hello hellothere cheese chocolate cookie banana orange apple purple yellow silver golden diamond
angel baby babygirl family friend friends forever lovely happy smile matrix ninja mustang access
changeme default temp temporary test testing demo sample example qazwsx zaq12wsx 1q2w3e4r
indonesia jakarta bandung surabaya medan bali garuda merdeka pancasila nusantara rahasia sandi
katasandi katakunci kunci masuk sayang sayangku cinta cintaku aku kamu bismillah alhamdulillah
insyaallah allahuakbar mamah papah ibu bapak anak rumah kantor kerja pegawai negeri pns asn
admin123 operator pimpinan kepala sekretariat kementerian pemda pemkot pemkab instansi unit
zona integritas wbk wbbm birokrasi reformasi menpan panrb lapor bangsa negara persija persib
arema doraemon naruto onepiece barcelona realmadrid juventus liverpool chelsea arsenal manchester
""".split()

KEYBOARD = ["qwerty", "qwertyui", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbn", "zxcvbnm", "1qaz2wsx",
            "qazwsxedc", "1q2w3e4r5t", "qwe123", "asd123", "zaq1xsw2", "!qaz2wsx", "poiuytrewq", "mnbvcxz"]
DIGITS = ["123456", "1234567", "12345678", "123456789", "1234567890", "0987654321", "654321", "111111",
          "000000", "121212", "112233", "123123", "123321", "666666", "696969", "159753", "147258369",
          "789456123", "11111111", "00000000", "12341234", "88888888", "987654321", "123123123"]
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "!", "1!", "123!", "01", "007", "99", "11",
            "@123", "#1", "00", "69", "88"] + [str(y) for y in range(1960, 2031)]


def generate() -> list[str]:
    found: set[str] = set()
    for word in WORDS + KEYBOARD:
        for suffix in SUFFIXES:
            found.add((word + suffix).lower())
    for run in DIGITS:
        found.add(run)
        for word in ("", "a", "q", "abc", "pass", "admin"):
            found.add(word + run)
    for a in ("aa", "ab", "12", "qw"):
        found.add(a * 6)
    return sorted(found)


if __name__ == "__main__":
    print("\n".join(generate()))
