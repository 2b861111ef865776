"""Compile every template of the project with Django's engine; exit 1 on the first kind of error found.

Checks each file under parcours/templates (and the apps' own templates/ folders): syntax, unknown tags,
filters and {% load %} libraries, and that every literal {% extends %} / {% include %} target exists.
Usage: PARCOURS_ENV=test python scripts/check_templates.py
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PARCOURS_ENV", "test")

import django  # noqa: E402

django.setup()

from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines  # noqa: E402
from django.template.base import Origin, Template, Variable  # noqa: E402
from django.template.loader_tags import ExtendsNode, IncludeNode  # noqa: E402


def template_roots():
    yield ROOT / "parcours" / "templates"
    yield from sorted(p for p in (ROOT / "parcours").glob("*/templates") if p.is_dir())


def literal_name(expression):
    """The template name of {% extends %} / {% include %} when it is a plain string, else None."""
    if expression.filters or isinstance(expression.var, Variable) or not isinstance(expression.var, str):
        return None
    return str(expression.var)


def location(exc):
    debug = getattr(exc, "template_debug", None)
    return f":{debug['line']}" if debug else ""


def check(engine, root, path):
    name = path.relative_to(root).as_posix()
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [f"{path.relative_to(ROOT)}: fichier non UTF-8 ({exc})"]
    try:
        template = Template(source, origin=Origin(str(path), name), name=name, engine=engine)
    except TemplateSyntaxError as exc:
        return [f"{path.relative_to(ROOT)}{location(exc)}: {exc}"]
    errors = []
    references = [n.parent_name for n in template.nodelist.get_nodes_by_type(ExtendsNode)]
    references += [n.template for n in template.nodelist.get_nodes_by_type(IncludeNode)]
    for expression in references:
        target = literal_name(expression)
        if target is None:
            continue
        try:
            engine.get_template(target)
        except TemplateDoesNotExist:
            errors.append(f"{path.relative_to(ROOT)}: gabarit introuvable « {target} »")
        except TemplateSyntaxError:
            pass  # reported when that file itself is checked
    return errors


def main():
    engine = engines["django"].engine
    engine.debug = True  # keeps line numbers on syntax errors
    count, errors = 0, []
    for root in template_roots():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            count += 1
            errors += check(engine, root, path)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"Gabarits : {len(errors)} erreur(s) dans {count} fichier(s).", file=sys.stderr)
        return 1
    if not count:
        print("Gabarits : aucun fichier trouvé sous parcours/templates.", file=sys.stderr)
        return 1
    print(f"Gabarits : {count} fichier(s) compilé(s) sans erreur.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
