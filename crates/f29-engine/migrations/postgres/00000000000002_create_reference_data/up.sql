-- Reference data the engine computes with, kept current without a release.

-- The UTM of each month ('YYYY-MM'), in pesos. Seeded from the shipped data/utm.yaml
-- (`seeded` true: a later release may correct it); a month set by an operator (import
-- command or admin API) has `seeded` false and is never overwritten by a seed.
CREATE TABLE utm_values (
    month TEXT PRIMARY KEY,
    pesos BIGINT NOT NULL CHECK (pesos > 0),
    source TEXT NOT NULL,
    seeded BOOLEAN NOT NULL,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL
);

-- Chile's public holidays, replaced a whole year at a time: `holiday_years` says who set a
-- year (and whether a seed did, as for the UTM), `holidays` holds its days ('YYYY-MM-DD').
CREATE TABLE holiday_years (
    year INTEGER PRIMARY KEY,
    seeded BOOLEAN NOT NULL,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL
);
CREATE TABLE holidays (
    day TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX holidays_by_year ON holidays (year);
