// Light enhancement only: every page works without it.
(function () {
  'use strict';
  // Copy buttons beside card keys (rendered hidden, shown when the clipboard can be used).
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var label = button.textContent;
      navigator.clipboard.writeText(button.getAttribute('data-copy')).then(function () {
        button.textContent = button.getAttribute('data-copied');
        setTimeout(function () {
          button.textContent = label;
        }, 2000);
      });
    });
  });
  // An order still on its way: ask for its status every few seconds and reload when it moves.
  var order = document.querySelector('[data-poll-order]');
  if (order) {
    var orderNo = order.getAttribute('data-poll-order');
    var status = order.getAttribute('data-status');
    var token = new URLSearchParams(location.search).get('token');
    var url = '/api/orders/' + encodeURIComponent(orderNo) + (token ? '?token=' + encodeURIComponent(token) : '');
    var poll = function () {
      fetch(url, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (res) {
          return res.ok ? res.json() : null;
        })
        .then(function (view) {
          if (view && view.status !== status) location.reload();
          else setTimeout(poll, 3000);
        })
        .catch(function () {
          setTimeout(poll, 5000);
        });
    };
    setTimeout(poll, 3000);
  }
})();
