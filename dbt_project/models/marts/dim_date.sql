-- One row per day from the first to the last date of any sales source (staging: the OLTP sales,
-- ecommerce.csv, and DimDate.csv, whose ids are FactSales.csv's dates), with every attribute
-- computed from the date itself (correct quarters; weekday with Sunday = 1 like the course's
-- DimDate), plus the unknown member -1 for facts without a date. Bounded by staging, not by
-- fct_sales, so the dimension does not wait for its fact; the relationships test from fct_sales
-- holds the two together. No source with a date: the var softcart_empty_date_range.
{%- set empty_range = var('softcart_empty_date_range') %}

with oltp_sales as (
    select * from {{ ref('stg_mysql_sales__sales') }}
),

ecommerce_sales as (
    select * from {{ ref('stg_files__ecommerce_sales') }}
),

course_dates as (
    select * from {{ ref('stg_files__dates') }}
),

source_bounds as (
    select
        cast(min(sold_at) as date) as first_day,
        cast(max(sold_at) as date) as last_day
    from oltp_sales
    union all
    select
        min(sale_date) as first_day,
        max(sale_date) as last_day
    from ecommerce_sales
    union all
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from course_dates
),

date_range as (
    select
        coalesce(min(first_day), cast('{{ empty_range[0] }}' as date)) as first_day,
        coalesce(max(last_day), cast('{{ empty_range[1] }}' as date)) as last_day
    from source_bounds
),

month_names (month_number, month_name) as (
    values
    (1, 'January'), (2, 'February'), (3, 'March'), (4, 'April'), (5, 'May'), (6, 'June'),
    (7, 'July'), (8, 'August'), (9, 'September'), (10, 'October'), (11, 'November'),
    (12, 'December')
),

weekday_names (weekday_number, weekday_name) as (
    values
    (1, 'Sunday'), (2, 'Monday'), (3, 'Tuesday'), (4, 'Wednesday'), (5, 'Thursday'),
    (6, 'Friday'), (7, 'Saturday')
),

digits (digit) as (
    values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)
),

day_offsets as (
    -- 0 .. 99,999 days (273 years): enough for any sales history
    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands
),

spine as (
    select {{ add_days('date_range.first_day', 'day_offsets.day_offset') }} as date_day
    from date_range
    cross join day_offsets
    where {{ add_days('date_range.first_day', 'day_offsets.day_offset') }} <= date_range.last_day
),

parts as (
    select
        date_day,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(day from date_day) as integer) as day_number,
        (cast(extract(month from date_day) as integer) - 1) / 3 + 1 as quarter_number,
        {{ weekday_sunday_1('date_day') }} as weekday_number
    from spine
),

days as (
    select
        {{ date_key('parts.date_day') }} as date_key,
        parts.date_day,
        parts.year_number as year,
        parts.quarter_number as quarter,
        cast('Q' || cast(parts.quarter_number as char(1)) as varchar(7)) as quarter_name,
        parts.month_number as month,
        cast(month_names.month_name as varchar(9)) as month_name,
        parts.day_number as day,
        parts.weekday_number as weekday,
        cast(weekday_names.weekday_name as varchar(9)) as weekday_name
    from parts
    inner join month_names
        on parts.month_number = month_names.month_number
    inner join weekday_names
        on parts.weekday_number = weekday_names.weekday_number
),

unknown_member as (
    select
        -1 as date_key,
        cast(null as date) as date_day,
        cast(null as integer) as year,
        cast(null as integer) as quarter,
        cast('Unknown' as varchar(7)) as quarter_name,
        cast(null as integer) as month,
        cast('Unknown' as varchar(9)) as month_name,
        cast(null as integer) as day,
        cast(null as integer) as weekday,
        cast('Unknown' as varchar(9)) as weekday_name
    {{ from_dummy() }}
),

final as (
    select * from days
    union all
    select * from unknown_member
)

select
    date_key,
    date_day,
    year,
    quarter,
    quarter_name,
    month,
    month_name,
    day,
    weekday,
    weekday_name,
    {{ audit_columns() }}
from final
