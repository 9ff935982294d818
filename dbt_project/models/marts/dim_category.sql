-- One row per category, from every source that names one: the course's DimCategory.csv, the
-- ecommerce.csv history, and the catalog's item types (through int_products_categorized), plus
-- the unknown member -1. Names that differ only in case are one category.
with course_categories as (
    select
        category_name,
        category_id as course_category_id
    from {{ ref('stg_files__categories') }}
),

ecommerce_categories as (
    select
        category_name,
        cast(null as integer) as course_category_id
    from {{ ref('stg_files__ecommerce_sales') }}
),

catalog_categories as (
    select
        category_name,
        cast(null as integer) as course_category_id
    from {{ ref('int_products_categorized') }}
),

all_names as (
    select * from course_categories
    union all
    select * from ecommerce_categories
    union all
    select * from catalog_categories
),

categories as (
    select
        lower(category_name) as natural_key,
        min(category_name) as category_name,
        min(course_category_id) as course_category_id
    from all_names
    where category_name is not null
    group by lower(category_name)
),

known_members as (
    select
        {{ int_key('natural_key') }} as category_key,
        cast(category_name as varchar(100)) as category_name,
        cast(course_category_id as integer) as course_category_id
    from categories
),

unknown_member as (
    select
        -1 as category_key,
        cast('Unknown' as varchar(100)) as category_name,
        cast(null as integer) as course_category_id
    {{ from_dummy() }}
),

final as (
    select * from known_members
    union all
    select * from unknown_member
)

select
    category_key,
    category_name,
    course_category_id,
    {{ audit_columns() }}
from final
