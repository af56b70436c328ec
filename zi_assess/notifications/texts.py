"""How each kind of notification reads, in the current language (inbox, e-mail subject and body)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KIND_NAMES = {
    "submitted": _l("LKE dikirim unit"),
    "returned": _l("LKE dikembalikan ke unit"),
    "resubmitted": _l("LKE dikirim ulang"),
    "concluded": _l("Kesimpulan TPI"),
    "proposed": _l("Diusulkan ke TPN"),
    "decided": _l("Keputusan akhir"),
    "assigned": _l("Penilaian untuk Anda kerjakan"),
    "deadline": _l("Pengingat batas waktu"),
    "action_due": _l("Tenggat kegiatan rencana aksi"),
    "revoked": _l("Predikat dicabut"),
}


def _date(value: str) -> str:
    return date.fromisoformat(value).strftime("%d-%m-%Y")


def title(kind: str, p: dict[str, Any]) -> str:
    who = {"unit": p.get("unit", ""), "year": p.get("year", ""), "actor": p.get("actor", "")}
    if kind == "submitted":
        return _("%(unit)s mengirim LKE %(year)s untuk dinilai", **who)
    if kind == "returned":
        return _("LKE %(year)s %(unit)s dikembalikan untuk diperbaiki (%(n)d indikator)", n=len(p.get("items", [])),
                 **who)
    if kind == "resubmitted":
        return _("%(unit)s mengirim ulang LKE %(year)s setelah perbaikan", **who)
    if kind == "concluded":
        return (_("TPI menyimpulkan LKE %(year)s %(unit)s layak diusulkan", **who) if p.get("eligible")
                else _("TPI menyimpulkan LKE %(year)s %(unit)s belum layak diusulkan", **who))
    if kind == "proposed":
        return _("%(unit)s diusulkan ke TPN (%(year)s)", **who)
    if kind == "decided":
        return (_("Keputusan: %(unit)s memperoleh predikat (%(year)s)", **who) if p.get("granted")
                else _("Keputusan: %(unit)s belum memperoleh predikat (%(year)s)", **who))
    if kind == "assigned":
        return _("LKE %(year)s %(unit)s menunggu penilaian Anda", **who)
    if kind == "deadline":
        step = _("pengiriman LKE") if p.get("step") == "submit" else _("pengusulan ke TPN")
        return _("%(days)d hari lagi: batas %(step)s %(unit)s pada %(date)s", days=p.get("days", 0), step=step,
                 unit=p.get("unit", ""), date=_date(p["closes_on"]))
    if kind == "action_due":
        return _("%(days)d hari lagi: kegiatan rencana aksi %(ind)s %(unit)s (tenggat %(date)s)", days=p.get("days", 0),
                 ind=p.get("indicator", ""), unit=p.get("unit", ""), date=_date(p["due_on"]))
    if kind == "revoked":
        return _("Predikat %(predicate)s %(unit)s dicabut setelah pemantauan %(year)s",
                 predicate=p.get("predicate", ""), **who)
    return kind


def body(kind: str, p: dict[str, Any]) -> str:
    """The longer text (the e-mail body, the inbox details): notes, indicators, outcome."""
    lines = [title(kind, p)]
    if p.get("actor"):
        lines.append(_("Oleh: %(name)s", name=p["actor"]))
    for item in p.get("items", []):
        lines.append(f"- {item['indicator']}: {item['note']}")
    if p.get("note"):
        lines.append(_("Catatan: %(note)s", note=p["note"]))
    if p.get("reason"):
        lines.append(_("Alasan pencabutan: %(reason)s", reason=p["reason"]))
    if p.get("activity"):
        lines.append(_("Kegiatan: %(what)s (PIC: %(pic)s)", what=p["activity"], pic=p.get("pic") or "–"))
    return "\n".join(lines)
