/* Harvest source form: the preview button fetches the preview panel and shows
 * it under the configuration, instead of reloading the page (which is what the
 * button does without JavaScript). Hidden for another extension's harvesters.
 * Enter in a field still saves the source, as on ckanext-harvest's own form. */
this.ckan.module('odl-harvest-preview', function ($) {
  return {
    options: {
      panel: '#odl-harvest-preview-panel',
      sourceTypes: [],
      labelLoading: 'Reading the source…',
      labelFailed: 'The preview could not be shown.',
      labelRefused: 'The portal refused the preview.'
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.form = this.el.closest('form');
      this.panel = $(this.options.panel);
      this.el.on('click', this._onClick);
      this.form.on('keydown', 'input', this._onFieldKeyDown);
      this.form.on('change', 'input[name="source_type"]', this._onSourceTypeChange);
      this._onSourceTypeChange();
    },

    _onSourceTypeChange: function () {
      var chosen = this.form.find('input[name="source_type"]:checked').val();
      this.el.closest('.odl-harvest-preview').prop('hidden', $.inArray(chosen, this.options.sourceTypes) === -1);
    },

    /* Enter in a field submits the form with its first submit button, and this
     * one sits above Save: the browser would preview (in a hidden panel, for
     * another extension's harvester) instead of saving. */
    _onFieldKeyDown: function (event) {
      var type = (event.target.type || '').toLowerCase();
      var save = this.form.find('[name="save"]')[0];
      if (event.key !== 'Enter' || event.isDefaultPrevented() || event.originalEvent.isComposing ||
          event.ctrlKey || event.metaKey || event.altKey || event.shiftKey ||
          $.inArray(type, ['button', 'submit', 'reset', 'image', 'file']) !== -1 || !save) {
        return;
      }
      event.preventDefault();
      if (this.form[0].requestSubmit) {
        this.form[0].requestSubmit(save);
      } else {
        save.click();
      }
    },

    _onClick: function (event) {
      event.preventDefault();
      var module = this;
      var data = new FormData(this.form[0]);
      var url = this.el.attr('formaction');
      this.el.prop('disabled', true);
      this.panel.attr('aria-busy', 'true').empty()
        .append($('<p class="text-muted odl-harvest-preview-loading">').text(this.options.labelLoading));
      fetch(url + (url.indexOf('?') === -1 ? '?' : '&') + 'partial=1', {
        method: 'POST', body: data, credentials: 'same-origin'
      }).then(function (response) {
        if (!response.ok) {
          throw response;
        }
        return response.text();
      }).then(function (html) {
        module.panel.html(html);  // our server-rendered, escaped panel
      }).catch(function (failure) {
        // 400 and 403 are the portal refusing the post (an expired session or
        // form token, or no right to preview): trying again will not help.
        var refused = failure && (failure.status === 400 || failure.status === 403);
        module.panel.empty().append($('<div class="alert alert-danger" role="alert">')
          .text(refused ? module.options.labelRefused : module.options.labelFailed));
      }).then(function () {
        module.el.prop('disabled', false);
        module.panel.removeAttr('aria-busy');
      });
    }
  };
});
