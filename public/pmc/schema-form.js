// A form for an MCP elicitation's requested schema: a flat object of strings (with formats),
// numbers, integers, booleans, single-select enums and multi-select enums, as the spec allows.

const INPUT_TYPES = { email: 'email', uri: 'url', date: 'date', 'date-time': 'datetime-local' };

/** [value, label] pairs of an enum, titled (oneOf/anyOf of const + title) or not. */
function choices(schema) {
  if (Array.isArray(schema.enum)) {
    return schema.enum.map((value, index) => [value, schema.enumNames?.[index] ?? value]);
  }
  const options = schema.oneOf ?? schema.anyOf;
  return Array.isArray(options) ? options.map((option) => [option.const, option.title ?? option.const]) : undefined;
}

function labelled(text, control, { inline = false, required = false, description } = {}) {
  const label = document.createElement('label');
  if (inline) {
    label.className = 'inline';
  }
  const caption = document.createElement('span');
  caption.textContent = `${text}${required ? ' *' : ''}`;
  label.append(...(inline ? [control, caption] : [caption, control]));
  if (description) {
    label.title = description;
  }
  return label;
}

function fieldFor(name, schema, required) {
  const title = schema.title ?? name;
  const options = { required, description: schema.description };
  if (schema.type === 'boolean') {
    const input = Object.assign(document.createElement('input'), { type: 'checkbox', name });
    input.checked = schema.default === true;
    return { node: labelled(title, input, { ...options, inline: true }), read: () => input.checked };
  }
  if (schema.type === 'array') {
    const list = choices(schema.items ?? {}) ?? [];
    const fieldset = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = `${title}${required ? ' *' : ''}`;
    fieldset.append(legend);
    const boxes = list.map(([value, text]) => {
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', name, value: String(value) });
      box.checked = Array.isArray(schema.default) && schema.default.includes(value);
      fieldset.append(labelled(String(text), box, { inline: true }));
      return [box, value];
    });
    return { node: fieldset, read: () => boxes.filter(([box]) => box.checked).map(([, value]) => value) };
  }
  const list = choices(schema);
  if (list) {
    const select = Object.assign(document.createElement('select'), { name, required });
    if (!required || schema.default === undefined) {
      select.append(new Option('—', ''));
    }
    for (const [value, text] of list) {
      select.append(new Option(String(text), String(value), false, value === schema.default));
    }
    return { node: labelled(title, select, options), read: () => select.value || undefined };
  }
  const numeric = schema.type === 'number' || schema.type === 'integer';
  const input = Object.assign(document.createElement('input'), {
    name,
    required,
    type: numeric ? 'number' : (INPUT_TYPES[schema.format] ?? 'text'),
  });
  if (numeric) {
    input.step = schema.type === 'integer' ? '1' : 'any';
    if (schema.minimum !== undefined) input.min = String(schema.minimum);
    if (schema.maximum !== undefined) input.max = String(schema.maximum);
  }
  if (schema.default !== undefined) {
    input.value = String(schema.default);
  }
  const read = () => {
    if (input.value === '') {
      return undefined;
    }
    return numeric ? Number(input.value) : input.value;
  };
  return { node: labelled(title, input, options), read };
}

/** The form's fields and a reader that returns the answer as the schema shapes it. */
export function schemaForm(schema) {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => [
    name,
    fieldFor(name, property, required.has(name)),
  ]);
  return {
    nodes: fields.map(([, field]) => field.node),
    read: () =>
      Object.fromEntries(
        fields.map(([name, field]) => [name, field.read()]).filter(([, value]) => value !== undefined),
      ),
  };
}
