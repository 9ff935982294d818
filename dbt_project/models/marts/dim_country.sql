-- One row per country, from the customers' countries and the course's DimCountry.csv, plus the
-- unknown member -1. Names that differ only in case are one country.
with customer_countries as (
    select
        country_name,
        cast(null as integer) as course_country_id
    from {{ ref('stg_mysql_sales__customers') }}
),

course_countries as (
    select
        country_name,
        country_id as course_country_id
    from {{ ref('stg_files__countries') }}
),

all_names as (
    select * from customer_countries
    union all
    select * from course_countries
),

countries as (
    select
        lower(country_name) as natural_key,
        min(country_name) as country_name,
        min(course_country_id) as course_country_id
    from all_names
    where country_name is not null
    group by lower(country_name)
),

known_members as (
    select
        {{ int_key('natural_key') }} as country_key,
        cast(country_name as varchar(100)) as country_name,
        cast(course_country_id as integer) as course_country_id
    from countries
),

unknown_member as (
    select
        -1 as country_key,
        cast('Unknown' as varchar(100)) as country_name,
        cast(null as integer) as course_country_id
    {{ from_dummy() }}
),

final as (
    select * from known_members
    union all
    select * from unknown_member
)

select
    country_key,
    country_name,
    course_country_id,
    {{ audit_columns() }}
from final
