-- Stock on hand per product (the shop's OLTP beside the course's sales_data). A sale decrements
-- its product's row in the same transaction as the INSERT into sales_data; a restock increments it
-- (softcart simulate). The generator writes the initial state (inventory.csv). Products live in
-- the MongoDB catalog, so product_id is not a foreign key here. Idempotent.
CREATE TABLE IF NOT EXISTS `inventory` (
    `product_id` INT NOT NULL,
    `on_hand` INT NOT NULL,
    `reorder_level` INT NOT NULL DEFAULT 10,
    `updated_at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (`product_id`),
    KEY `idx_inventory_low_stock` (`on_hand`, `reorder_level`),
    CONSTRAINT `chk_inventory_on_hand` CHECK (`on_hand` >= 0),
    CONSTRAINT `chk_inventory_reorder_level` CHECK (`reorder_level` >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
