-- Catalog products with the category their type belongs to: the mapping seed first, else a
-- category named after the type itself ("headphones" -> "Headphones"), so no product is left
-- without a category when the catalog grows a new type.
with products as (
    select * from {{ ref('stg_mongo_catalog__products') }}
),

type_categories as (
    select * from {{ ref('item_type_categories') }}
),

final as (
    select
        products.*,
        case
            when type_categories.category_name is not null
                then cast(type_categories.category_name as varchar(100))
            when products.product_type is not null
                then cast(
                    upper(substr(products.product_type, 1, 1)) || substr(products.product_type, 2)
                    as varchar(100)
                )
        end as category_name
    from products
    left join type_categories
        on products.product_type = lower(type_categories.item_type)
)

select * from final
