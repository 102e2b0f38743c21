"""The draw engine (随机抽取): the verifiable algorithm "quorum-draw-v1" (fairness), the
eligible pool with exclusion reasons (pool) and the downloadable record (record). State
changes live in experts.services.draws."""
