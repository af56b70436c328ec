"""The administration pages: instansi, units, accounts and their roles (thin views over
:mod:`zi_assess.org.operations`; who may do what is :mod:`zi_assess.authz`)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from zi_assess.assessments.forms import choices
from zi_assess.authz import allowed, authorize
from zi_assess.domain.prerequisites import load_prerequisites
from zi_assess.extensions import db
from zi_assess.messages import ROLE_NAMES, org_message
from zi_assess.models import (
    Assessment,
    Instansi,
    InstansiKind,
    ReviewAssignment,
    Role,
    RoleAssignment,
    Unit,
    UnitType,
    User,
)
from zi_assess.models.users import INSTANSI_ROLES, UNIT_ROLES
from zi_assess.org import operations as ops
from zi_assess.org import queries
from zi_assess.org.forms import (
    KIND_NAMES,
    UNIT_TYPE_NAMES,
    ConfirmForm,
    DraftReasonForm,
    InstansiForm,
    RoleForm,
    UnitForm,
    UserForm,
)
from zi_assess.org.invitations import send_invitation
from zi_assess.predicates import operations as predicate_ops
from zi_assess.web import actor

bp = Blueprint("org", __name__, url_prefix="/admin")


def _page() -> int:
    value = request.args.get("hal", "1")
    return int(value) if value.isdigit() else 1


def _get(model: type, object_id: int) -> object:
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _refused(form: object, exc: ops.InvalidInput) -> None:
    """Put an operation's refusal on the form (typed values stay) and write nothing."""
    db.session.rollback()
    message = exc.detail if exc.code.startswith("password_") and exc.detail else org_message(exc.code)
    form.form_errors.append(message)  # type: ignore[attr-defined]


def _form_page(template: str, form: object, **context: object) -> str | tuple[str, int]:
    """The page of a form: 400 when the form was refused (its typed values stay), else 200."""
    html = render_template(template, form=form, **context)
    return (html, 400) if form.errors or form.form_errors else html  # type: ignore[attr-defined]


def _confirmed(step: Callable[[], object], done: str, back: str) -> Response:
    """A confirmed one-button step (activate, revoke…): commit and say ``done``, or roll back and
    say why; back to ``back`` either way (an unconfirmed post changes nothing)."""
    if ConfirmForm().validate_on_submit():
        try:
            if step() is False:
                db.session.rollback()
                flash(org_message("mail"), "error")
            else:
                db.session.commit()
                flash(done, "success")
        except ops.InvalidInput as exc:
            db.session.rollback()
            flash(org_message(exc.code), "error")
    return redirect(back)


@bp.get("/")
@login_required
def index() -> Response:
    authorize(actor().user, "users.manage")
    return redirect(url_for("org.instansi_list"))


# -- instansi ------------------------------------------------------------------------------------


def _instansi_form_problem(form: InstansiForm) -> str | None:
    problem = ops.place_problem(InstansiKind(form.kind.data), form.provinsi.data, form.kabkota.data)
    return org_message(problem) if problem else None


@bp.route("/instansi", methods=["GET", "POST"])
@login_required
def instansi_list() -> str | Response | tuple[str, int]:
    who = actor()
    authorize(who.user, "users.manage")
    form = InstansiForm()
    if request.method == "POST":
        authorize(who.user, "org.national")
        if form.validate_on_submit():
            problem = _instansi_form_problem(form)
            if problem:
                form.form_errors.append(problem)
            else:
                try:
                    instansi = ops.create_instansi(who, form.name.data or "", InstansiKind(form.kind.data),
                                                   provinsi=form.provinsi.data, kabkota=form.kabkota.data)
                    db.session.commit()
                    flash(_("Instansi %(name)s ditambahkan.", name=instansi.name), "success")
                    return redirect(url_for("org.instansi_detail", instansi_id=instansi.id))
                except ops.InvalidInput as exc:
                    _refused(form, exc)
    q = request.args.get("q", "")
    page = queries.paged(queries.managed_instansi(who.user, q), _page())
    return _form_page("org/instansi_list.html", form, page=page, q=q, KIND_NAMES=KIND_NAMES)


@bp.route("/instansi/<int:instansi_id>", methods=["GET", "POST"])
@login_required
def instansi_detail(instansi_id: int) -> str | Response | tuple[str, int]:
    who = actor()
    instansi = _get(Instansi, instansi_id)
    assert isinstance(instansi, Instansi)
    authorize(who.user, "users.manage", instansi)
    form = InstansiForm(obj=instansi if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = instansi.kind.value
    if request.method == "POST" and form.validate_on_submit():
        problem = _instansi_form_problem(form)
        if problem:
            form.form_errors.append(problem)
        else:
            try:
                ops.update_instansi(who, instansi, form.name.data or "", InstansiKind(form.kind.data),
                                    provinsi=form.provinsi.data, kabkota=form.kabkota.data)
                db.session.commit()
                flash(_("Perubahan disimpan."), "success")
                return redirect(url_for("org.instansi_detail", instansi_id=instansi.id))
            except ops.InvalidInput as exc:
                _refused(form, exc)
    q = request.args.get("q", "")
    page = queries.paged(queries.units_of(instansi, q), _page())
    rules = load_prerequisites()
    return _form_page("org/instansi_detail.html", form, instansi=instansi, page=page, q=q,
                           KIND_NAMES=KIND_NAMES, UNIT_TYPE_NAMES=UNIT_TYPE_NAMES, rules=rules,
                           national=allowed(who.user, "org.national"), confirm=ConfirmForm())


@bp.post("/instansi/<int:instansi_id>/aktif")
@login_required
def instansi_active(instansi_id: int) -> Response:
    instansi = _get(Instansi, instansi_id)
    assert isinstance(instansi, Instansi)
    return _confirmed(lambda: ops.set_instansi_active(actor(), instansi, request.form.get("aktif") == "1"),
                      _("Status instansi disimpan."), url_for("org.instansi_detail", instansi_id=instansi.id))


# -- units ---------------------------------------------------------------------------------------


def _unit_form(instansi: Instansi, unit: Unit | None) -> UnitForm:
    form = UnitForm(obj=unit if unit is not None and request.method == "GET" else None)
    form.parent.choices = choices([(0, _("— tanpa unit induk —"))] + [
        (u.id, f"{u.code} {u.name}") for u in instansi.units if unit is None or u.id != unit.id
    ])
    if unit is not None and request.method == "GET":
        form.parent.data = unit.parent_id or 0
        form.unit_type.data = unit.unit_type.value
    return form


def _save_unit(instansi: Instansi, unit: Unit | None) -> str | Response | tuple[str, int]:
    who = actor()
    authorize(who.user, "users.manage", unit if unit is not None else instansi)
    form = _unit_form(instansi, unit)
    if request.method == "POST" and form.validate_on_submit():
        parent = db.session.get(Unit, form.parent.data) if form.parent.data else None
        try:
            fields = {"unit_type": UnitType(form.unit_type.data), "parent": parent, "head_name": form.head_name.data}
            if unit is None:
                unit = ops.create_unit(who, instansi, form.name.data or "", form.code.data or "", **fields)
                message = _("Unit %(code)s ditambahkan.", code=unit.code)
            else:
                ops.update_unit(who, unit, form.name.data or "", form.code.data or "", **fields)
                message = _("Perubahan disimpan.")
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("org.unit_detail", unit_id=unit.id))
        except ops.InvalidInput as exc:
            _refused(form, exc)
            unit = db.session.get(Unit, unit.id) if unit is not None and unit.id else None
    rules = load_prerequisites()
    assessments = queries.assessments_of(unit) if unit is not None else []
    history = predicate_ops.unit_history([unit.id]) if unit is not None else []
    return _form_page("org/unit_form.html", form, instansi=instansi, unit=unit, rules=rules,
                      UNIT_TYPE_NAMES=UNIT_TYPE_NAMES, confirm=ConfirmForm(), assessments=assessments,
                      predicate_history=history)


@bp.route("/instansi/<int:instansi_id>/unit-baru", methods=["GET", "POST"])
@login_required
def unit_new(instansi_id: int) -> str | Response | tuple[str, int]:
    instansi = _get(Instansi, instansi_id)
    assert isinstance(instansi, Instansi)
    return _save_unit(instansi, None)


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
@login_required
def unit_detail(unit_id: int) -> str | Response | tuple[str, int]:
    unit = _get(Unit, unit_id)
    assert isinstance(unit, Unit)
    return _save_unit(unit.instansi, unit)


@bp.post("/unit/<int:unit_id>/aktif")
@login_required
def unit_active(unit_id: int) -> Response:
    unit = _get(Unit, unit_id)
    assert isinstance(unit, Unit)
    return _confirmed(lambda: ops.set_unit_active(actor(), unit, request.form.get("aktif") == "1"),
                      _("Status unit disimpan."), url_for("org.unit_detail", unit_id=unit.id))


# -- accounts ------------------------------------------------------------------------------------


@bp.route("/pengguna", methods=["GET", "POST"])
@login_required
def user_list() -> str | Response | tuple[str, int]:
    who = actor()
    authorize(who.user, "users.manage")
    form = UserForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            user = ops.create_user(who, form.email.data or "", form.name.data or "", None,
                                   locale=form.locale.data or "id")
            if send_invitation(who, user):
                db.session.commit()
                flash(_("Akun %(email)s dibuat dan undangan dikirim. Tambahkan perannya di bawah.",
                        email=user.email), "success")
                return redirect(url_for("org.user_detail", user_id=user.id))
            db.session.rollback()
            form.form_errors.append(org_message("mail"))
        except ops.InvalidInput as exc:
            _refused(form, exc)
    q = request.args.get("q", "")
    page = queries.paged(queries.managed_users(who.user, q), _page())
    return _form_page("org/user_list.html", form, page=page, q=q, ROLE_NAMES=ROLE_NAMES)


def _role_form(who_user: object) -> RoleForm:
    form = RoleForm()
    national = allowed(who_user, "org.national")  # type: ignore[arg-type]
    roles = [r for r in Role if national or r in UNIT_ROLES | INSTANSI_ROLES]
    form.role.choices = choices((r.value, str(ROLE_NAMES[r.value])) for r in roles)
    form.scope.choices = choices(([("", _("Nasional (tanpa lingkup)"))] if national else [])
                                 + queries.scope_choices(who_user))  # type: ignore[arg-type]
    return form


def _scope(value: str) -> tuple[Unit | None, Instansi | None]:
    kind, _sep, number = value.partition(":")
    if not number.isdigit():
        return None, None
    if kind == "u":
        return db.session.get(Unit, int(number)), None
    return None, db.session.get(Instansi, int(number)) if kind == "i" else None


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_detail(user_id: int) -> str | Response | tuple[str, int]:
    who = actor()
    user = _get(User, user_id)
    assert isinstance(user, User)
    authorize(who.user, "users.manage", user)
    form = _role_form(who.user)
    if request.method == "POST" and form.validate_on_submit():
        unit, instansi = _scope(form.scope.data or "")
        try:
            ops.assign_role(who, user, Role(form.role.data), unit=unit, instansi=instansi)
            db.session.commit()
            flash(_("Peran ditambahkan."), "success")
            return redirect(url_for("org.user_detail", user_id=user.id))
        except ops.InvalidInput as exc:
            _refused(form, exc)
            user = db.session.get(User, user_id)
    invited = user is not None and user.password_hash == ops.NO_PASSWORD
    return _form_page("org/user_detail.html", form, user=user, confirm=ConfirmForm(), invited=invited,
                           ROLE_NAMES=ROLE_NAMES, reviews=_reviews(user), review_form=_review_form(who.user))


def _reviews(user: User) -> list[ReviewAssignment]:
    return list(db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.user_id == user.id)
                                   .order_by(ReviewAssignment.id)))


def _review_form(who_user: object) -> RoleForm:
    form = _role_form(who_user)
    form.scope.choices = [c for c in form.scope.choices if c.value]  # a unit or an instansi
    return form


@bp.post("/pengguna/<int:user_id>/tugas")
@login_required
def review_assign(user_id: int) -> Response:
    user = _get(User, user_id)
    assert isinstance(user, User)
    unit, instansi = _scope(request.form.get("scope") or "")
    if unit is None and instansi is None:
        flash(org_message("scope"), "error")
        return redirect(url_for("org.user_detail", user_id=user_id))
    return _confirmed(lambda: ops.assign_review(actor(), user, unit=unit, instansi=instansi),
                      _("Penugasan disimpan."), url_for("org.user_detail", user_id=user_id))


@bp.post("/tugas/<int:assignment_id>/cabut")
@login_required
def review_unassign(assignment_id: int) -> Response:
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if assignment is None:
        abort(404)
    return _confirmed(lambda: ops.unassign_review(actor(), assignment), _("Penugasan dicabut."),
                      url_for("org.user_detail", user_id=assignment.user_id))


@bp.post("/pengguna/<int:user_id>/aktif")
@login_required
def user_active(user_id: int) -> Response:
    user = _get(User, user_id)
    assert isinstance(user, User)
    return _confirmed(lambda: ops.set_active(actor(), user, request.form.get("aktif") == "1"),
                      _("Status akun disimpan."), url_for("org.user_detail", user_id=user_id))


@bp.post("/pengguna/<int:user_id>/undang")
@login_required
def user_invite(user_id: int) -> Response:
    who = actor()
    user = _get(User, user_id)
    assert isinstance(user, User)
    authorize(who.user, "users.manage", user)
    return _confirmed(lambda: send_invitation(who, user), _("Undangan dikirim ke %(email)s.", email=user.email),
                      url_for("org.user_detail", user_id=user_id))


@bp.post("/peran/<int:assignment_id>/cabut")
@login_required
def role_revoke(assignment_id: int) -> Response:
    assignment = _get(RoleAssignment, assignment_id)
    assert isinstance(assignment, RoleAssignment)
    back = url_for("org.user_detail", user_id=assignment.user_id)
    return _confirmed(lambda: ops.revoke_role(actor(), assignment), _("Peran dicabut."), back)


@bp.route("/penilaian/<int:assessment_id>/buka", methods=["GET", "POST"])
@login_required
def draft_open(assessment_id: int) -> str | Response | tuple[str, int]:
    """An admin opens an assessment not yet proposed: only with a reason, which is logged."""
    who = actor()
    authorize(who.user, "draft.open")
    assessment = _get(Assessment, assessment_id)
    assert isinstance(assessment, Assessment)
    if allowed(who.user, "assessment.view", assessment):
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    form = DraftReasonForm()
    if form.validate_on_submit():
        try:
            ops.open_draft(who, assessment, form.reason.data or "")
            db.session.commit()
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
        except ops.InvalidInput as exc:
            _refused(form, exc)
            assessment = db.session.get(Assessment, assessment_id)
    return _form_page("org/draft_open.html", form, assessment=assessment, hours=ops.DRAFT_ACCESS_HOURS)
