{{ config(severity='warn') }}
-- Catalog types that the item_type_categories seed does not map (they get a category of their
-- own name): a warning, so an analyst adds them to the seed.
select distinct products.product_type
from {{ ref('stg_mongo_catalog__products') }} as products
left join {{ ref('item_type_categories') }} as type_categories
    on products.product_type = lower(type_categories.item_type)
where
    products.product_type is not null
    and type_categories.item_type is null
