/* Territory form: search-as-you-type in the national reference. Typing asks the
 * territory_reference_search action for matches; a click (or Enter on the
 * highlighted match) adds it, ticked, to the perimeter. Without JavaScript the
 * Search button posts the form and the server lists the matches to tick. */
this.ckan.module('odl-territory-picker', function ($) {
  return {
    options: { url: null, kinds: {}, inhabitants: 'inhabitants', nothing: 'Nothing found' },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.input = this.el.find('#field-perimeter-q');
      this.results = this.el.find('#odl-perimeter-results');
      this.selected = this.el.find('#odl-perimeter-selected');
      this.timer = null;
      this.sequence = 0;
      this.input.on('input', this._onInput);
      this.input.on('keydown', this._onKeyDown);
      this.results.on('click', 'button', this._onPick);
    },

    _onInput: function () {
      clearTimeout(this.timer);
      this.timer = setTimeout(this._onSearch, 200);
    },

    _onSearch: function () {
      var query = $.trim(this.input.val());
      var sequence = ++this.sequence;
      var module = this;
      if (query.length < 2) {
        this._show([]);
        return;
      }
      fetch(this.options.url + '?q=' + encodeURIComponent(query), { credentials: 'same-origin' })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (sequence === module.sequence) {  // an answer to an older query is dropped
            module._show(body.success ? body.result : [], true);
          }
        });
    },

    _label: function (item) {
      var kind = this.options.kinds[item.kind] || item.kind;
      var code = item.kind === 'departement' ? item.code : (item.insee || '');
      var parts = [kind + (code ? ' ' + code : '')];
      if (item.kind !== 'departement' && item.dep) { parts.push(item.dep); }
      if (item.population) { parts.push(item.population.toLocaleString('fr-FR') + ' ' + this.options.inhabitants); }
      return item.name + ' (' + parts.join(' · ') + ')';
    },

    _show: function (items, answered) {
      var module = this;
      this.results.empty();
      $.each(items, function (index, item) {
        var button = $('<button type="button" role="option">').text(module._label(item))
          .attr('data-value', item.value).data('item', item);
        module.results.append($('<li>').toggleClass('odl-active', index === 0).append(button));
      });
      if (answered && !items.length) {
        this.results.append($('<li class="text-muted">').text(this.options.nothing));
      }
      this.input.attr('aria-expanded', items.length ? 'true' : 'false');
    },

    _onKeyDown: function (event) {
      var items = this.results.find('li:has(button)');
      var active = items.index(items.filter('.odl-active'));
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        active = Math.max(0, Math.min(items.length - 1, active + (event.key === 'ArrowDown' ? 1 : -1)));
        items.removeClass('odl-active').eq(active).addClass('odl-active');
      } else if (event.key === 'Enter' && items.length) {
        event.preventDefault();  // Enter picks the highlighted match instead of posting the form
        this._add(items.eq(Math.max(active, 0)).find('button').data('item'));
      }
    },

    _onPick: function (event) {
      this._add($(event.currentTarget).data('item'));
    },

    _add: function (item) {
      var existing = this.selected.find('input[value="' + item.value + '"]');
      if (existing.length) {
        existing.prop('checked', true);
      } else {
        var box = $('<input type="checkbox" name="perimeter" checked>').val(item.value);
        this.selected.append($('<li class="odl-perimeter-item">').append(
          $('<label>').append(box, ' ', document.createTextNode(this._label(item)))));
      }
      this.input.val('').trigger('focus');
      this._show([]);
    }
  };
});
