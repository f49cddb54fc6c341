"""The synthetic trade world: ``generate(seed=, scale=)`` builds it, ``GeneratedWorld.write``
puts it in a folder in the format of ``docs/world-format.md`` plus ``labels.csv`` (ground
truth, which no detector reads) and ``hard_negatives.csv`` (look-alikes that are innocent).

Scale 1.0 gives about 300,000 declaration items, 120,000 FX settlements and 160,000
virtual-asset transfers over 2023-01-01..2024-12-31; everything scales linearly.

Identifiers are stable and documented (``docs/world-format.md``, "Generator ids"):
``KC000001`` Korean companies, ``FC000001`` foreign companies, ``P0000001`` persons,
``W0000001`` wallets, ``D00000001`` declarations (with ``item_no``), ``S00000001``
settlements, ``T00000001`` transfers. New rows get ids from :meth:`GeneratedWorld.new_ids`,
which continues each prefix's sequence, so extensions never collide with the core.

Extension point
---------------
``EXTENSIONS`` is a tuple of functions ``(world: GeneratedWorld, rng, scale) -> None``
(``GeneratedWorld`` is defined in ``opencustoms.world.base``)
called in order after the core tables (companies, persons, links, declarations,
fx_settlements, wallets, va_transfers) and the core typologies are built. An extension may
add rows to existing tables with :meth:`GeneratedWorld.add_rows`, add new tables (written as
``<name>.csv``) the same way, add ground truth with :meth:`GeneratedWorld.label` and
innocent look-alikes with :meth:`GeneratedWorld.hard_negative`. To add one: write a module
with such a function and pass it in ``extensions``: ``world`` sits below the detector
packages, so it never imports them; the command line composes the default world
(``opencustoms world generate`` adds the screening extension,
``opencustoms.screening.synth_exports.extend_world``). Use the ``rng`` you are given
(never a new unseeded one) so a seed gives one world.

>>> w = generate(seed=3, scale=0.02)
>>> sorted(w.tables)[:4]
['companies', 'declarations', 'fx_settlements', 'links']
>>> w.new_ids("P", 2)[0].startswith("P")
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from opencustoms.errors import InvalidInput
from opencustoms.world import crypto, plant, population, schemes, trade
from opencustoms.world.base import Extension, GeneratedWorld


def _core(world: GeneratedWorld, rng: np.random.Generator, scale: float) -> None:
    pop = population.build(world, rng, scale)
    plant.plant_streams(world, pop, rng, scale)
    population.register_companies(world, pop)
    trade.build(world, pop, rng)
    schemes.build(world, pop, rng, scale)
    crypto.build(world, pop, rng, scale)


def generate(
    *,
    seed: int,
    scale: float,
    extensions: Sequence[Extension] = (),
    progress: Callable[[int, int], None] | None = None,
) -> GeneratedWorld:
    """Build the world for ``seed`` at ``scale`` (deterministic for a given pair)."""
    if not 0 < scale <= 20:
        raise InvalidInput("scale", f"{scale} is outside (0, 20]")
    rng = np.random.default_rng(seed)
    world = GeneratedWorld(seed=seed, scale=scale)
    steps: list[Extension] = [_core, *extensions]
    for i, step in enumerate(steps):
        step(world, rng, scale)
        if progress is not None:
            progress(i + 1, len(steps))
    return world
