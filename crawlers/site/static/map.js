// The map page: one coloured circle per jurisdiction (crawlers/site/map_page.py writes the data).
// The background tiles are optional: if they fail, the circles stay on a plain background with
// lines of latitude and longitude, and the page says so; the legend and the table below the map
// carry every answer anyway.
(function () {
  "use strict";
  var box = document.getElementById("map");
  var status = document.getElementById("map-status");
  var data = JSON.parse(document.getElementById("map-data").textContent);
  if (!box) return;

  function say(text) {
    if (status) status.textContent = text;
  }

  function graticule(L, map) {
    // Every 30 degrees, and the equator a little darker: where the circles are without tiles.
    for (var lat = -60; lat <= 60; lat += 30) {
      L.polyline([[lat, -180], [lat, 180]], { color: "#7f93ad", weight: lat === 0 ? 1.5 : 0.6, interactive: false }).addTo(map);
    }
    for (var lon = -180; lon <= 180; lon += 30) {
      L.polyline([[-85, lon], [85, lon]], { color: "#7f93ad", weight: 0.6, interactive: false }).addTo(map);
    }
  }

  function draw(L) {
    var map = L.map(box, { worldCopyJump: true, minZoom: 0 });  // zoom 0 fits the world on a phone
    var failed = 0;
    graticule(L, map);
    if (data.tiles && data.tiles.url) {
      var tiles = L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: data.tiles.max_zoom || 8 });
      tiles.on("tileerror", function () {
        failed += 1;
        if (failed === 1) {
          box.classList.add("tiles-failed");
          say("The background map could not be loaded; the circles are drawn on a plain background, and every answer is in the table below.");
        }
      });
      tiles.addTo(map);
    }
    var points = [];
    // Countries first, so the smaller sub-national circles stay on top and clickable.
    data.markers.slice().sort(function (a, b) { return a.subnational - b.subnational; }).forEach(function (place) {
      var answer = place.answer === null ? "no law coded" : place.answer;
      var circle = L.circleMarker([place.lat, place.lon], {
        radius: place.subnational ? 6 : 10, color: "#222", weight: place.subnational ? 1 : 2,
        fillColor: place.colour, fillOpacity: 0.9, className: "marker marker-" + place.code
      });
      var label = document.createElement("span");
      var link = document.createElement("a");
      link.href = place.url;
      link.textContent = place.name;
      label.appendChild(link);
      label.appendChild(document.createTextNode(": " + answer));
      circle.bindPopup(label);
      circle.bindTooltip(place.name + ": " + answer);
      circle.addTo(map);
      points.push([place.lat, place.lon]);
    });
    if (points.length) {
      map.fitBounds(points, { padding: [20, 20], maxZoom: 4 });
    } else {
      map.setView([20, 0], 2);
    }
    box.setAttribute("data-markers", String(points.length));
  }

  // datasette-leaflet serves Leaflet as an ES module.
  import(data.leaflet).then(draw, function () {
    say("The map could not be drawn; every answer is in the table below.");
  });
})();
