-- Customers and their country: the generated world only (the course has no customer table).
-- Joins sales_data.customer_id. Idempotent.
CREATE TABLE IF NOT EXISTS `customers` (
    `customer_id` INT NOT NULL,
    `country` VARCHAR(64) NOT NULL,
    PRIMARY KEY (`customer_id`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
