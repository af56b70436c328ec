"""Models declared when first asked for (issue #15, item 3): ``from zi_assess.models import X``
imports X's module and those it depends on; the web app registers every model; a report process
declares only the models its report uses."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from zi_assess.domain.workflow import Layer

#: model modules an LHE or LKE never uses (notifications, API keys, sign-in tokens, action plans)
UNUSED_BY_REPORTS = ("zi_assess.models.notifications", "zi_assess.models.interop", "zi_assess.models.tokens",
                     "zi_assess.models.action_plans")


def _python(code: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path), **(env or {})},
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def test_a_model_is_declared_with_its_module_when_first_asked_for():
    out = _python("""
        import sys
        import zi_assess.models as models
        from zi_assess.models.base import Base
        declared = lambda: sorted(m.class_.__name__ for m in Base.registry.mappers)
        assert declared() == [], declared()
        from zi_assess.models import StoredReport  # reports.py: no model of another module
        assert declared() == ["ExportItem", "ExportJob", "RenderJob", "StoredReport"], declared()
        from zi_assess.models import Assessment  # with the org and users modules it imports
        assert {"Assessment", "Unit", "Instansi", "User", "RoleAssignment"} <= set(declared())
        assert "zi_assess.models.notifications" not in sys.modules
        try:
            models.NoSuchModel
        except AttributeError:
            pass
        else:
            raise AssertionError("an unknown name was found")
        models.load_all()
        classes = [m.class_ for m in Base.registry.mappers]
        assert all(getattr(models, c.__name__) is c for c in classes)  # every model is named by the package
        print(len(classes), len(models.__all__), sorted(set(models.__all__) ^ set(models._WHERE)))
    """)
    assert out == "38 42 []"


def test_the_web_app_registers_every_model(tmp_path):
    out = _python("""
        from zi_assess import create_app
        from zi_assess.extensions import db
        create_app()
        print(len(db.metadata.tables))
    """, {"ZI_DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}", "ZI_INSTANCE_PATH": str(tmp_path / "instance")})
    assert int(out) == 38


@pytest.fixture
def report_process(team, flow, fill, best_answers, database_url, tmp_path):
    """A filled assessment, and the environment of a report process run on it."""
    from zi_assess.extensions import db

    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers)
    db.session.commit()
    return a, {"ZI_DATABASE_URL": database_url, "ZI_INSTANCE_PATH": str(tmp_path / "instance"),
               "ZI_STORAGE_PATH": str(tmp_path / "store"), "ZI_SECRET_KEY": "test-secret"}


def test_a_report_process_declares_only_the_models_its_report_uses(report_process, tmp_path):
    a, env = report_process
    for kind in ("lhe", "lke"):
        out = _python(f"""
            import sys
            from zi_assess.cli import main
            try:
                main(["report", "{kind}", "{a.id}", "-o", {str(tmp_path / (kind + ".pdf"))!r}])
            except SystemExit as done:
                assert not done.code, done.code
            print([m for m in {UNUSED_BY_REPORTS!r} if m in sys.modules] or "none")
        """, env)
        assert out.endswith("none"), out
        assert (tmp_path / f"{kind}.pdf").read_bytes().startswith(b"%PDF-")


#: modules an LKE process does not import: the LHE's own, the sanggah's, writing answers and steps
UNUSED_BY_THE_LKE = ("zi_assess.reports.context_lhe", "zi_assess.reports.context_years", "zi_assess.appeals.operations",
                     "zi_assess.assessments.operations.answers", "zi_assess.assessments.operations.workflow")


def test_an_lke_process_imports_neither_the_lhe_nor_the_workflow(report_process, tmp_path):
    a, env = report_process
    out = _python(f"""
        import sys
        from zi_assess.cli import main
        from zi_assess.models.base import Base
        try:
            main(["report", "lke", "{a.id}", "-o", {str(tmp_path / "lke.pdf")!r}])
        except SystemExit as done:
            assert not done.code, done.code
        declared = {{m.class_.__name__ for m in Base.registry.mappers}}
        print([m for m in {UNUSED_BY_THE_LKE!r} if m in sys.modules] or "none", "Appeal" in declared)
    """, env)
    assert out.endswith("none False"), out
    assert (tmp_path / "lke.pdf").read_bytes().startswith(b"%PDF-")


def test_the_operations_package_loads_answers_and_workflow_on_first_use():
    out = _python("""
        import sys
        from zi_assess.assessments import operations as ops
        from zi_assess.assessments.operations import NotFound, get_assessment  # lookup: loaded with the package
        workflow = "zi_assess.assessments.operations.workflow"
        answers = "zi_assess.assessments.operations.answers"
        before = (workflow in sys.modules, answers in sys.modules)
        from zi_assess.assessments.operations import transition
        from zi_assess.assessments.operations.workflow import transition as defined
        assert transition is defined and ops.transition is defined
        assert ops.save_answers is sys.modules[answers].save_answers
        assert set(ops.__all__) <= set(dir(ops))
        assert all(getattr(ops, name) is not None for name in ops.__all__)
        try:
            ops.no_such_operation
        except AttributeError:
            pass
        else:
            raise AssertionError("an unknown name was found")
        print(before)
    """)
    assert out == "(False, False)"
