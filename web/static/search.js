/* The search page's extras; the page works fully without them.
 * - "Use my location": the browser's geolocation fills lat/lon and submits the search form;
 *   when refused or unavailable, a message says so and the ZIP box gets the focus.
 * - The map: Leaflet draws the listed clinics; if tiles fail, the list above is unaffected.
 * - After Back, the form shows the search in the URL, not what was typed before leaving.
 * - Filters left at "any" stay out of the URL. */
(function () {
  "use strict";

  function setUpLocation() {
    var button = document.getElementById("use-location");
    var status = document.getElementById("location-status");
    if (!button || !("geolocation" in navigator)) {
      return;
    }
    var form = button.form;
    var box = document.getElementById("near");
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          [["lat", position.coords.latitude], ["lon", position.coords.longitude]].forEach(
            function (pair) {
              var input = form.querySelector("input[name=" + pair[0] + "]");
              if (!input) {
                input = document.createElement("input");
                input.type = "hidden";
                input.name = pair[0];
                form.appendChild(input);
              }
              input.value = pair[1].toFixed(5);
            }
          );
          box.value = "";
          box.disabled = true; // leave near out of the URL: the point is the place
          form.submit();
        },
        function () {
          status.textContent = button.dataset.refused;
          box.focus();
        },
        { timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  function setUpMap() {
    var element = document.getElementById("map");
    if (!element || typeof L === "undefined") {
      return;
    }
    element.hidden = false;
    var centre = [Number(element.dataset.lat), Number(element.dataset.lon)];
    var map = L.map(element, { scrollWheelZoom: false });
    var credit = document.createElement("a");
    credit.href = element.dataset.creditUrl;
    credit.textContent = element.dataset.credit;
    L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: credit.outerHTML }).addTo(map);
    var bounds = [centre];
    document.querySelectorAll(".hits .hit").forEach(function (hit) {
      var point = [Number(hit.dataset.lat), Number(hit.dataset.lon)];
      var link = document.createElement("a");
      link.href = hit.dataset.url;
      link.textContent = hit.dataset.name;
      L.marker(point, { title: hit.dataset.name, alt: hit.dataset.name })
        .bindPopup(link)
        .addTo(map);
      bounds.push(point);
    });
    // No animation: nothing moves under the pointer (or for people who prefer less motion).
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13, animate: false });
  }

  // After Back, browsers refill the form with what was typed last; show this URL's search instead.
  function matchFormToUrl(event) {
    var form = document.querySelector("form.search-form");
    var navigation = performance.getEntriesByType("navigation")[0];
    var back = event.persisted || (navigation && navigation.type === "back_forward");
    if (!form) {
      return;
    }
    // controls switched off to keep them out of the last URL are switched back on
    form.querySelectorAll(":disabled").forEach(function (control) {
      control.disabled = false;
    });
    if (back) {
      form.reset();
    }
  }

  // Leave filters left at "any" out of the URL, so shared links stay short.
  function dropEmptyFilters() {
    var form = document.querySelector("form.search-form");
    if (!form) {
      return;
    }
    form.addEventListener("submit", function () {
      form.querySelectorAll("select").forEach(function (select) {
        select.disabled = select.value === "";
      });
    });
  }

  window.addEventListener("pageshow", matchFormToUrl);
  dropEmptyFilters();
  setUpLocation();
  setUpMap();
})();
