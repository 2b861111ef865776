"""Streaming plumbing of the flux reader (parcours.intake.flux): what lxml reads, its errors in French, counts.

Kept apart from the reading of households so that each module stays short.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from parcours.intake.records import Unreadable

ROOT_TAG = "Racine"


class Skimmer:
    """The file's bytes as lxml reads them, without the Ressources blocks (the bulk of a CNAF flux: a quarter of
    monthly resources per adult, never used here), each replaced by its line breaks so that the line numbers of
    lxml's errors stay those of the file. A block written differently (attributes, spaces) is simply parsed."""

    BLOCK = 1 << 20
    OPEN, CLOSE = b"<Ressources>", b"</Ressources>"

    def __init__(self, path: Path):
        self._file = open(path, "rb")  # noqa: SIM115 (closed by __exit__)
        self._pending = b""
        self._skipping = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()
        return False

    def read(self, size: int = -1) -> bytes:
        while True:
            chunk = self._file.read(self.BLOCK)
            if not chunk:
                rest, self._pending = self._pending, b""
                return b"\n" * rest.count(b"\n") if self._skipping else rest
            out = self._filter(self._pending + chunk)
            if out:
                return out

    def _filter(self, data: bytes) -> bytes:
        parts, pos, end = [], 0, len(data)
        while True:
            if self._skipping:
                close = data.find(self.CLOSE, pos)
                if close == -1:
                    keep = max(pos, end - len(self.CLOSE))
                    parts.append(b"\n" * data.count(b"\n", pos, keep))
                    pos = keep
                    break
                close += len(self.CLOSE)
                parts.append(b"\n" * data.count(b"\n", pos, close))
                pos, self._skipping = close, False
            start = data.find(self.OPEN, pos)
            if start == -1:
                keep = max(pos, end - len(self.OPEN))
                parts.append(data[pos:keep])
                pos = keep
                break
            parts.append(data[pos:start])
            pos, self._skipping = start, True
        self._pending = data[pos:]
        return b"".join(parts)


COUNTS: dict[tuple, tuple[int, int]] = {}  # file key → (items, skipped), see FluxFile.count()


def file_key(path: Path) -> tuple:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), None, None)
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def remember(key: tuple, total: int, skipped: int) -> None:
    if key[1] is None:
        return
    while len(COUNTS) >= 64:
        del COUNTS[next(iter(COUNTS))]
    COUNTS[key] = (total, skipped)


class parse_errors:
    """Turns lxml's syntax errors into Unreadable with a French message and the line."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        try:
            size = self.path.stat().st_size
        except OSError:
            raise Unreadable("Le fichier est introuvable ou illisible.") from None
        if size == 0:
            raise Unreadable("Le fichier est vide.")
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or not issubclass(exc_type, etree.XMLSyntaxError):
            return False
        raise Unreadable(_syntax_message(exc)) from exc


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    line = exc.lineno or 1
    message = exc.msg or ""
    if exc.code == 4 or (exc.code == 1 and line <= 1):
        return f"Ce fichier n'est pas un fichier XML (ligne {line}) : un flux CAF/MSA commence par « <?xml »."
    if exc.code in (9, 81) or "encoding" in message.lower() or "UTF-8" in message:
        return (
            f"Caractère illisible à la ligne {line} : le contenu ne correspond pas à l'encodage déclaré en tête du "
            "fichier (windows-1252 ou UTF-8)."
        )
    if exc.code in (5,):
        return f"Contenu inattendu après la fin du flux (ligne {line}) : le fichier est mal formé."
    if exc.code in (73, 74, 77) or "Premature end" in message or "EndTag" in message:
        return f"Le fichier est tronqué : il s'arrête avant la fin du flux (ligne {line}). Demandez un nouvel envoi."
    return f"Le fichier XML est mal formé à la ligne {line} (colonne {exc.position[1]}) : il ne peut pas être lu."


def check_root(element) -> None:
    if element.tag != ROOT_TAG:
        raise Unreadable(
            f"L'élément racine est « {element.tag} » (ligne {element.sourceline or 1}) : un flux CAF/MSA "
            f"« bénéficiaires » commence par « {ROOT_TAG} »."
        )
