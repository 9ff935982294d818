-- One row per product the catalog ever had: the document's fields parsed into typed columns.
-- A product is identified by its `product_id` when the document carries one (generated catalog),
-- else by the document's `_id` (the course's catalog.json has no product_id). Raw is a change log
-- (ingest `mode: cdc`): each document's last known image. A product the source still holds is
-- current (`is_discontinued` = 0); a product whose documents were all deleted at the source keeps
-- its last known attributes, `is_discontinued` = 1 and `discontinued_at` (its last delete), so a
-- dimension keeps the member its old facts point to (dim_item). Duplicates of a product (the same
-- product_id in several documents) are removed deterministically: a current document first, then
-- the latest landing, then the highest `_id`.
with source as (
    {{ change_log_last_images(source('mongo_catalog', 'electronics'), '"_id"') }}
),

fields as (
    select
        cast("_id" as varchar(64)) as document_id,
        {{ json_text('document', 'product_id') }} as product_id_text,
        coalesce(type, {{ json_text('document', 'type') }}) as type_text,
        coalesce(model, {{ json_text('document', 'model') }}) as model_text,
        {{ json_text('document', 'screen size') }} as screen_size_text,
        {{ json_text('document', 'ram') }} as ram_text,
        {{ json_text('document', 'hard disk') }} as hard_disk_text,
        cast("_softcart_loaded_at" as timestamp) as loaded_at,
        removed_at
    from source
),

parsed as (
    select
        document_id,
        case
            when {{ regex_like('trim(product_id_text)', '^[0-9]+$') }}
                then cast(trim(product_id_text) as bigint)
        end as product_id,
        cast(lower(nullif(trim(type_text), '')) as varchar(100)) as product_type,
        cast(nullif(trim(model_text), '') as varchar(200)) as model,
        {{ leading_number('screen_size_text') }} as screen_size_inches,
        {{ size_to_mb('ram_text') }} as ram_mb,
        {{ size_to_mb('hard_disk_text') }} as hard_disk_mb,
        loaded_at,
        removed_at
    from fields
),

ranked as (
    select
        parsed.*,
        row_number() over (
            partition by coalesce(cast(parsed.product_id as varchar(64)), parsed.document_id)
            order by
                case when parsed.removed_at is null then 0 else 1 end,
                parsed.loaded_at desc,
                parsed.document_id desc
        ) as duplicate_rank,
        max(parsed.removed_at) over (
            partition by coalesce(cast(parsed.product_id as varchar(64)), parsed.document_id)
        ) as last_removed_at
    from parsed
),

final as (
    select
        document_id,
        product_id,
        product_type,
        model,
        screen_size_inches,
        cast(ram_mb / 1000 as decimal(12, 3)) as ram_gb,
        cast(hard_disk_mb / 1000 as decimal(12, 3)) as hard_disk_gb,
        cast(ram_mb as integer) as ram_mb,
        cast(hard_disk_mb as integer) as hard_disk_mb,
        cast(case when removed_at is null then 0 else 1 end as integer) as is_discontinued,
        -- the kept document is a removed one only when every document of the product is
        cast(case when removed_at is not null then last_removed_at end as timestamp) as discontinued_at,
        loaded_at
    from ranked
    where duplicate_rank = 1
)

select * from final
