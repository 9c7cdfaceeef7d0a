"""Seeds the fuzz corpus (scripts/fuzz runs this): one folder per target under the given folder,
each with small hand-made inputs and real files. Idempotent: files already there are kept."""

import pathlib
import struct
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "geodata-sources" / "kk-udsatte-byomraader-2017"
LAYER = ROOT / "geodata" / "udsatte-byomraader-2017.fgb"


def seed(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        path.write_bytes(data)


def main(out):
    out = pathlib.Path(out)
    square = "[[12.54,55.69],[12.56,55.69],[12.56,55.70],[12.54,55.69]]"
    seed(out / "geojson", "small.geojson",
         ('{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{"navn":"Ø"},'
          f'"geometry":{{"type":"Polygon","coordinates":[{square}]}}}}]}}').encode())
    seed(out / "geojson", "utm.geojson",
         b'{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}},'
         b'"features":[{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":'
         b'[[[[724351,6175804],[724451,6175804],[724451,6175904],[724351,6175804]]]]}}]}')
    seed(out / "geojson", "wfs-2023.geojson", (SHARED / "f_udsatte_byomraader_snapshot2023_epsg4326.geojson").read_bytes())
    seed(out / "csv_wkt", "small.csv", b'id;navn;wkt\n1;\xc3\x98stbro;"POLYGON ((724351 6175804,724451 6175804,724451 6175904,724351 6175804))"\n')
    seed(out / "csv_wkt", "city-2019.csv", (SHARED / "f_udsatte_byomraader_snapshot2019_epsg25832_wkt.csv").read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        sql = 'SELECT fid AS kode, byomraade, delomraade FROM "udsatte-byomraader-2017"'
        subprocess.run(["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:25832", "-sql", sql, tmp / "u.gpkg", LAYER], check=True)
        seed(out / "geopackage", "udsatte-2017.gpkg", (tmp / "u.gpkg").read_bytes())
        subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:25832", "-lco", "ENCODING=CP1252",
                        "-sql", sql, tmp / "u.shp", LAYER], check=True)
        shp, shx, dbf = ((tmp / f"u.{e}").read_bytes() for e in ("shp", "shx", "dbf"))
        seed(out / "shapefile", "udsatte-2017.bin", struct.pack("<II", len(shp), len(shx)) + shp + shx + dbf)


if __name__ == "__main__":
    main(sys.argv[1])
