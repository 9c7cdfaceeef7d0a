-- Kvarter's layer store, version 2: layers the GIS department keeps in tables or views of its
-- own, attached by `kvarter store attach` and read on each load, with the metadata Kvarter shows
-- for them (their status, source and licence are stated when attaching, never guessed).

CREATE TABLE kvarter.attached (
    layer_id text PRIMARY KEY,
    -- The table or view, as `schema.name` (or `name`), and its columns.
    relation text NOT NULL,
    id_column text NOT NULL,
    name_column text NOT NULL,
    parent_column text,
    geometry_column text NOT NULL,
    -- The layer's metadata (LayerMeta) as JSON text.
    meta json NOT NULL,
    attached_at timestamptz NOT NULL DEFAULT now()
);
