"""Demo step: train on 2020, evaluate on 2021 Q1, replay 2021 Q1 week by week with the
feedback loop, write the HTML report, install the model and score the stored declarations."""

from __future__ import annotations

import datetime as dt
import time

from rich.console import Console

REPLAY_START = "2021-01-01"
BUDGET = 0.10


def demo_step(*, console: Console) -> None:
    import pandas as pd

    from opencustoms.cli.tables import metrics_table, simulation_table
    from opencustoms.db import get_engine, migrate
    from opencustoms.declarations.io import load_frame
    from opencustoms.risk.evaluation import evaluate_frame
    from opencustoms.risk.feedback import has_table
    from opencustoms.risk.report import write_report
    from opencustoms.risk.service import load_model, score_store
    from opencustoms.risk.simulate import simulate
    from opencustoms.risk.training import train
    from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

    s = get_settings()
    console.rule("Risk engine: train on 2020, evaluate and replay 2021 Q1")
    t0 = time.perf_counter()
    past = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv", "kcs")
    q1 = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", "kcs")
    model = train(
        past, seed=s.seed, n_threads=s.n_threads, sources=["data/kcs/df_syn_train_eng.csv"]
    )
    model.save(s.model_dir, compile_native=True)
    console.print(
        f"model {model.version} trained on {len(past):,} rows in "
        f"{time.perf_counter() - t0:.1f}s -> {s.model_dir}"
    )
    evaluation = evaluate_frame(q1, model=model)
    console.print(metrics_table(evaluation))
    console.print(
        f"Weekly replay of 2021 Q1: budget {BUDGET:.0%} per week, labels only for "
        "inspected items, retrained every week (takes a few minutes)"
    )
    results = simulate(
        pd.concat([past, q1], ignore_index=True),
        start=REPLAY_START,
        budget=BUDGET,
        seed=s.seed,
        n_threads=s.n_threads,
    )
    console.print(simulation_table(results))
    report = write_report(
        s.var_dir / "reports" / "risk.html",
        evaluation=evaluation,
        results=results,
        model_meta=model.metadata,
        budget=BUDGET,
    )
    console.print(f"HTML report: {report}")
    engine = get_engine()
    if has_table(engine, "declarations"):
        migrate(engine)
        start = dt.date.fromisoformat(model.metadata["training_window"]["end"])
        done = score_store(
            engine=engine, model=load_model(s.model_dir), start=start + dt.timedelta(days=1)
        )
        console.print(
            f"scored {done.scored:,} stored declarations after the training window "
            f"in {done.seconds:.1f}s: lanes {done.lanes}, "
            f"{done.exploration} exploration picks"
        )
    else:
        console.print("no declarations table: stored declarations not scored")
