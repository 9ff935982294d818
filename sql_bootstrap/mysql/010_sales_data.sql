-- OLTP sales (course Module 1). Applied by softcart.load.bootstrap.apply_source_schemas inside the
-- database named by SOFTCART_MYSQL_URL (default `sales`). Idempotent: applying it twice is harmless.
-- price and timestamp are nullable: the course's sales.sql dump carries neither.
CREATE TABLE IF NOT EXISTS `sales_data` (
    `rowid` INT NOT NULL AUTO_INCREMENT,
    `product_id` INT NOT NULL,
    `customer_id` INT NOT NULL,
    `price` DECIMAL(12, 2) NULL,
    `quantity` INT NOT NULL,
    `timestamp` DATETIME NULL,
    PRIMARY KEY (`rowid`),
    KEY `idx_sales_data_timestamp` (`timestamp`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
