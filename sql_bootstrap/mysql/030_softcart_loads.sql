-- Which dataset the sources were loaded from (softcart/load/records.py): one row per `softcart load`,
-- written after the load committed. Kept in the source it describes, so a purged or replaced server
-- can never be mistaken for one already loaded. `replaced`: the load replaced the tables' contents
-- (--replace); ingestion then refreshes the streams of this source (ingest/sources/). Idempotent.
CREATE TABLE IF NOT EXISTS `softcart_loads` (
    `seq` BIGINT NOT NULL AUTO_INCREMENT,
    `load_id` CHAR(32) NOT NULL,
    `dataset` VARCHAR(1024) NOT NULL,
    `fingerprint` CHAR(16) NOT NULL,
    `replaced` BOOLEAN NOT NULL,
    `loaded_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (`seq`),
    UNIQUE KEY `softcart_loads_load_id` (`load_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
