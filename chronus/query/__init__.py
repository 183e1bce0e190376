"""InfluxQL execution: statement executor, SELECT planning, iterators, functions and the result model."""
