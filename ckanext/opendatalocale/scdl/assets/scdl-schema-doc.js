/* Resource form: when the publisher picks a schema, show its documentation
 * summary beside the upload and keep only that schema's versions selectable. */
this.ckan.module('odl-scdl-schema-doc', function ($) {
  return {
    options: {
      docUrl: '/scdl/',
      lang: 'en',
      labelDoc: 'Read the schema documentation',
      labelCsv: 'CSV template',
      labelXlsx: 'Excel template',
      labelColumns: '{num} columns (required: {required})'
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.versions = $('#field-schema_version');
      this.el.on('change', this._onChange);
      this._filterVersions(this.el.val());
    },

    _filterVersions: function (name) {
      this.versions.find('optgroup').each(function () {
        var group = $(this);
        var mine = group.find('option').first().data('schema') === name;
        group.prop('hidden', !mine).prop('disabled', !mine);
      });
      var selected = this.versions.find('option:selected');
      if (selected.length && selected.val() && selected.data('schema') !== name) {
        this.versions.val('');
      }
    },

    _onChange: function () {
      var name = this.el.val();
      var box = $('#scdl-schema-doc');
      this._filterVersions(name);
      if (!name) {
        box.remove();
        return;
      }
      var module = this;
      this.sandbox.client.call('GET', 'scdl_schema_show', '?name=' + encodeURIComponent(name), function (data) {
        var schema = data.result;
        var base = module.options.docUrl + schema.slug + '/' + schema.version;
        if (!box.length) {
          box = $('<div class="alert alert-info scdl-resource-doc" id="scdl-schema-doc"></div>');
          module.el.closest('.form-group').after(box);
        }
        box.empty()
          .append($('<p>').append($('<strong>').text(((schema.label || {})[module.options.lang.slice(0, 2)] || schema.title) + ' ' + schema.version)))
          .append($('<p>').text(module.options.labelColumns
            .replace('{num}', schema.field_names.length)
            .replace('{required}', schema.required_fields.join(', ') || '-')))
          .append($('<p>')
            .append($('<a target="_blank">').attr('href', base).text(module.options.labelDoc)).append(' · ')
            .append($('<a>').attr('href', base + '/modele.csv').text(module.options.labelCsv)).append(' · ')
            .append($('<a>').attr('href', base + '/modele.xlsx').text(module.options.labelXlsx)));
      });
    }
  };
});
