"""Sales forecast: MLlib LinearRegression on yearly and monthly sales, or a saved model's prediction.

Without ``--model``: total sales per year (``sales ~ year``) and per month (``sales ~ period``, with
``period = year * 12 + month - 1``) are computed from the lake's ``sales``, a LinearRegression is fitted
on each, saved in Spark's model format under ``<lake>/models/``, and the next years (months) are
predicted. With ``--model DIR``: a saved ``LinearRegressionModel`` whose one feature is the year (such
as the course's ``sales_prediction.model``, saved by Spark 2.4) predicts the sales of ``--year``.

``spark-submit spark/jobs/forecast.py [--model DIR] [--year YYYY]``
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from softcart.lake.store import Lake
from spark.jobs import JobInputMissing
from spark.jobs.common import read_lake_table, submit_main

if TYPE_CHECKING:
    from pyspark.ml.regression import LinearRegressionModel
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_YEAR = 2023
HORIZON_YEARS = 3
HORIZON_MONTHS = 12


@dataclass
class Fit:
    name: str
    features: list[str]
    coefficients: list[float]
    intercept: float
    training_rows: int
    r2: float | None
    model_path: str
    predictions: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""


@dataclass
class ForecastResult:
    fits: list[Fit] = field(default_factory=list)
    model_path: str | None = None
    year: int | None = None
    prediction: float | None = None
    coefficients: list[float] = field(default_factory=list)
    intercept: float | None = None
    notes: list[str] = field(default_factory=list)


def yearly_sales(sales: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return (
        sales.where(F.col("year") > 0)
        .groupBy("year")
        .agg((F.sum("amount_cents") / 100.0).alias("sales"))
        .withColumn("year", F.col("year").cast("double"))
    )


def monthly_sales(sales: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return (
        sales.where((F.col("year") > 0) & (F.col("month") > 0))
        .groupBy("year", "month")
        .agg((F.sum("amount_cents") / 100.0).alias("sales"))
        .withColumn("period", (F.col("year") * 12 + F.col("month") - 1).cast("double"))
    )


def _fit(
    spark: SparkSession, lake: Lake, name: str, data: DataFrame, features: list[str], future: DataFrame
) -> Fit:
    from pyspark.ml.feature import VectorAssembler
    from pyspark.ml.regression import LinearRegression

    assembler = VectorAssembler(inputCols=features, outputCol="features")
    training = assembler.transform(data).cache()
    model = LinearRegression(featuresCol="features", labelCol="sales", regParam=0.0, solver="normal").fit(
        training
    )
    model_path = lake.spark_path("models", f"sales_{name}")
    model.write().overwrite().save(model_path)
    predicted = model.transform(assembler.transform(future)).drop("features")
    output = lake.spark_path("results", "forecast", name)
    predicted.coalesce(1).write.mode("overwrite").parquet(output)
    summary = model.summary
    rows = int(summary.numInstances)
    fit = Fit(
        name,
        features,
        [float(c) for c in model.coefficients.toArray()],
        float(model.intercept),
        rows,
        float(summary.r2) if rows > 2 else None,
        model_path,
        [r.asDict() for r in predicted.orderBy(*future.columns).collect()],  # the horizon: a few rows
        output,
    )
    training.unpersist()
    return fit


def train(spark: SparkSession, lake: Lake, year: int | None = None) -> ForecastResult:
    from pyspark.sql import functions as F

    result = ForecastResult()
    sales = read_lake_table(spark, lake, "sales")
    yearly = yearly_sales(sales).cache()
    bounds = yearly.agg(F.min("year").alias("lo"), F.max("year").alias("hi"), F.count("*").alias("n")).first()
    if bounds is None or (bounds["n"] or 0) < 2:
        result.notes.append("fewer than 2 years of sales with a known date: no forecast")
        return result
    last = int(bounds["hi"])
    years = sorted({*range(last + 1, last + 1 + HORIZON_YEARS), *([year] if year else [])})
    future_years = spark.createDataFrame([(float(y),) for y in years], "year DOUBLE")
    result.fits.append(_fit(spark, lake, "yearly", yearly, ["year"], future_years))
    yearly.unpersist()

    monthly = monthly_sales(sales).cache()
    last_period = monthly.agg(F.max("period")).first()
    if last_period is not None and last_period[0] is not None:
        periods = [int(last_period[0]) + i for i in range(1, HORIZON_MONTHS + 1)]
        future_months = spark.createDataFrame(
            [(p // 12, p % 12 + 1, float(p)) for p in periods], "year INT, month INT, period DOUBLE"
        )
        result.fits.append(_fit(spark, lake, "monthly", monthly, ["period"], future_months))
    monthly.unpersist()
    return result


def load_model(model_dir: Path) -> LinearRegressionModel:
    from pyspark.ml.regression import LinearRegressionModel

    if not (model_dir / "metadata").is_dir() or not (model_dir / "data").is_dir():
        raise JobInputMissing(
            f"--model {model_dir}: not a saved Spark model (no metadata/ and data/ folders)"
        )
    return LinearRegressionModel.load(model_dir.resolve().as_uri())


def predict_with_model(spark: SparkSession, lake: Lake, model_dir: Path, year: int) -> ForecastResult:
    from pyspark.ml.feature import VectorAssembler

    model = load_model(model_dir)
    if model.numFeatures != 1:
        raise JobInputMissing(
            f"--model {model_dir}: expects {model.numFeatures} features, not one (the year)"
        )
    data = VectorAssembler(inputCols=["year"], outputCol=model.getFeaturesCol()).transform(
        spark.createDataFrame([(float(year),)], "year DOUBLE")
    )
    row = model.transform(data).select("year", model.getPredictionCol()).first()
    assert row is not None
    prediction = float(row[1])
    spark.createDataFrame(
        [(str(model_dir), year, prediction)], "model STRING, year INT, prediction DOUBLE"
    ).coalesce(1).write.mode("overwrite").parquet(lake.spark_path("results", "forecast", "saved_model"))
    return ForecastResult(
        model_path=str(model_dir),
        year=year,
        prediction=prediction,
        coefficients=[float(c) for c in model.coefficients.toArray()],
        intercept=float(model.intercept),
    )


def run(
    spark: SparkSession, lake: Lake, *, model: Path | None = None, year: int | None = None
) -> ForecastResult:
    if model is not None:
        return predict_with_model(spark, lake, model, year or DEFAULT_YEAR)
    return train(spark, lake, year)


def report(result: ForecastResult, console: Console) -> None:
    if result.model_path is not None:
        console.print(
            f"[bold]forecast[/] with the saved model {result.model_path} "
            f"(sales = {result.intercept:.4f} + {result.coefficients[0]:.6f} × year)"
        )
        console.print(f"predicted sales for {result.year}: [bold]{result.prediction:,.4f}[/]")
        return
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    for fit in result.fits:
        terms = " + ".join(f"{c:.4f} × {f}" for c, f in zip(fit.coefficients, fit.features, strict=True))
        r2 = f", R² {fit.r2:.3f}" if fit.r2 is not None else ""
        console.print(
            f"[bold]{fit.name}[/] sales = {fit.intercept:,.2f} + {terms} "
            f"({fit.training_rows} points{r2}); model saved to {fit.model_path}"
        )
        table = Table(title=f"{fit.name} forecast")
        columns = [c for c in fit.predictions[0] if c != "period"] if fit.predictions else []
        for c in columns:
            table.add_column(c, justify="right")
        for p in fit.predictions:
            table.add_row(*(f"{p[c]:,.2f}" if c == "prediction" else str(int(p[c])) for c in columns))
        console.print(table)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=None, help="a saved LinearRegressionModel folder")
    parser.add_argument("--year", type=int, default=None, help=f"year to predict (default {DEFAULT_YEAR})")


if __name__ == "__main__":
    sys.exit(submit_main("forecast", None, _arguments))
