-- One row per item: every catalog product (MongoDB) and every item of the ecommerce.csv history,
-- with its category, plus the unknown member -1 (a sale of a product absent from the catalog).
-- A product removed from the catalog stays, with its last known attributes, is_discontinued = 1
-- and discontinued_at (stg_mongo_catalog__products): its old facts keep their item_key, and a full
-- rebuild of fct_sales finds the same item by its natural key (a star schema's dimension keeps
-- every member a fact points to).
with catalog_products as (
    select * from {{ ref('int_products_categorized') }}
),

ecommerce_sales as (
    select * from {{ ref('stg_files__ecommerce_sales') }}
),

categories as (
    select * from {{ ref('dim_category') }}
),

catalog_items as (
    select
        case
            when product_id is not null
                then {{ catalog_product_natural_key('product_id') }}
            else 'catalog:document:' || document_id
        end as natural_key,
        'catalog' as item_source,
        model as item_name,
        product_type as item_type,
        category_name,
        product_id,
        document_id,
        screen_size_inches,
        ram_gb,
        hard_disk_gb,
        is_discontinued,
        discontinued_at
    from catalog_products
),

ecommerce_items as (
    select
        {{ ecommerce_item_natural_key('category_name', 'item_name') }} as natural_key,
        'ecommerce' as item_source,
        min(item_name) as item_name,
        lower(min(item_name)) as item_type,
        min(category_name) as category_name,
        cast(null as bigint) as product_id,
        cast(null as varchar(64)) as document_id,
        cast(null as decimal(8, 2)) as screen_size_inches,
        cast(null as decimal(12, 3)) as ram_gb,
        cast(null as decimal(12, 3)) as hard_disk_gb,
        0 as is_discontinued,
        cast(null as timestamp) as discontinued_at
    from ecommerce_sales
    where item_name is not null
    group by {{ ecommerce_item_natural_key('category_name', 'item_name') }}
),

all_items as (
    select * from catalog_items
    union all
    select * from ecommerce_items
),

known_members as (
    select
        {{ bigint_key('all_items.natural_key') }} as item_key,
        cast(all_items.item_name as varchar(200)) as item_name,
        cast(all_items.item_type as varchar(100)) as item_type,
        coalesce(categories.category_key, -1) as category_key,
        cast(coalesce(categories.category_name, 'Unknown') as varchar(100)) as category_name,
        cast(all_items.item_source as varchar(20)) as item_source,
        cast(all_items.natural_key as varchar(300)) as item_natural_key,
        all_items.product_id,
        all_items.document_id,
        all_items.screen_size_inches,
        all_items.ram_gb,
        all_items.hard_disk_gb,
        cast(all_items.is_discontinued as integer) as is_discontinued,
        cast(all_items.discontinued_at as timestamp) as discontinued_at
    from all_items
    left join categories
        on lower(all_items.category_name) = lower(categories.category_name)
),

unknown_member as (
    select
        cast(-1 as bigint) as item_key,
        cast('Unknown' as varchar(200)) as item_name,
        cast('unknown' as varchar(100)) as item_type,
        -1 as category_key,
        cast('Unknown' as varchar(100)) as category_name,
        cast('unknown' as varchar(20)) as item_source,
        cast('unknown' as varchar(300)) as item_natural_key,
        cast(null as bigint) as product_id,
        cast(null as varchar(64)) as document_id,
        cast(null as decimal(8, 2)) as screen_size_inches,
        cast(null as decimal(12, 3)) as ram_gb,
        cast(null as decimal(12, 3)) as hard_disk_gb,
        0 as is_discontinued,
        cast(null as timestamp) as discontinued_at
    {{ from_dummy() }}
),

final as (
    select * from known_members
    union all
    select * from unknown_member
)

select
    item_key,
    item_name,
    item_type,
    category_key,
    category_name,
    item_source,
    item_natural_key,
    product_id,
    document_id,
    screen_size_inches,
    ram_gb,
    hard_disk_gb,
    is_discontinued,
    discontinued_at,
    {{ audit_columns() }}
from final
