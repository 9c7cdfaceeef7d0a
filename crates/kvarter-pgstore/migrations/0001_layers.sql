-- Kvarter's layer store, version 1: the manifest, the layers' versions with their areas or
-- lines, and the other files a data folder holds (indicator catalogue and tables, gazetteer).
-- Rows are only ever added: a layer version is never changed once written (its checksum is in
-- the manifest), and the manifest row is the one pointer an import moves.

CREATE EXTENSION IF NOT EXISTS postgis;

-- The manifest in force: the same JSON a data folder's layers.json holds (every layer's
-- metadata, file and checksum, the indicator files, the gazetteer, the history of changes).
-- One row; an import replaces it in the transaction that writes the new layer.
CREATE TABLE kvarter.manifest (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    body text NOT NULL,
    data_version text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every version of every layer ever written, named as the manifest names it ("file").
CREATE TABLE kvarter.layers (
    file text PRIMARY KEY,
    layer_id text NOT NULL,
    geometry text NOT NULL CHECK (geometry IN ('areas', 'lines')),
    feature_count integer NOT NULL,
    -- The layer's metadata (LayerMeta) as JSON text, exactly as written.
    meta json NOT NULL,
    -- SHA-256 of the layer's FlatGeobuf encoding: what the manifest lists and a load checks.
    sha256 text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX layers_layer_id ON kvarter.layers (layer_id);

-- The areas of the layers of polygons, in the layer's order ("ord").
CREATE TABLE kvarter.areas (
    file text NOT NULL REFERENCES kvarter.layers (file),
    ord integer NOT NULL,
    layer_id text NOT NULL,
    area_id text NOT NULL,
    name text,
    parent text,
    area_m2 double precision,
    -- The source attributes as JSON text (json, not jsonb, so numbers come back as written).
    properties json NOT NULL,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    PRIMARY KEY (file, ord)
);
CREATE INDEX areas_geom ON kvarter.areas USING gist (geom);
CREATE INDEX areas_layer_id ON kvarter.areas (layer_id);

-- The lines of the layers of lines (the base map's streets), as kvarter.areas.
CREATE TABLE kvarter.lines (
    file text NOT NULL REFERENCES kvarter.layers (file),
    ord integer NOT NULL,
    layer_id text NOT NULL,
    area_id text NOT NULL,
    name text,
    parent text,
    properties json NOT NULL,
    geom geometry(MultiLineString, 4326) NOT NULL,
    PRIMARY KEY (file, ord)
);
CREATE INDEX lines_geom ON kvarter.lines USING gist (geom);

-- The indicator catalogue and tables and the gazetteer, by the name and checksum the manifest
-- lists them with.
CREATE TABLE kvarter.files (
    name text NOT NULL,
    sha256 text NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (name, sha256)
);

-- The areas of the layers in force, for QGIS and SQL: one row per area, with the layer's id.
CREATE VIEW kvarter.current_areas AS
SELECT a.layer_id, a.area_id, a.name, a.parent, a.area_m2, a.properties, a.geom
FROM kvarter.areas a
WHERE a.file IN (
    SELECT entry ->> 'file'
    FROM kvarter.manifest m, json_array_elements(m.body::json -> 'layers') AS entry
);
