#pragma once
// bind(command, row, field): the one place a flag is added to a subcommand. What the flag is
// called, what it accepts and what --help says come from its row in option_table.hpp; the field's
// type decides the rest (a bool is a switch, an enum takes the names of its table, a list is
// comma-separated or repeatable, a number is checked against the row's limit).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/option_table.hpp"
#include "torchvino/names.hpp"

namespace torchvino::cli {

// A CLI11 check for a numeric option: the same Limit the library and the config file apply.
CLI::Validator within(const Limit& limit);

namespace detail {
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {
  using value_type = T;
};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
}  // namespace detail

template <class T>
CLI::Option* bind(CLI::App* command, const Option& row, T& field) {
  // A row bound to a subcommand its table entry does not list is a programming error, caught by
  // the test that builds every command. (A whole app, as torchvino-classify is, has no parent.)
  if (command->get_parent() && !row.applies_to(command->get_name()))
    throw std::logic_error("option " + std::string(row.flag) + " is not declared for '" + command->get_name() + "'");
  const std::string flag(row.flag), help(row.help);
  CLI::Option* o = nullptr;
  if constexpr (std::is_same_v<T, bool>) {
    return command->add_flag(flag, field, help);
  } else if constexpr (NamedEnum<T>) {
    o = command->add_option_function<std::string>(
                   flag, [&field](const std::string& text) { field = parse<T>(text); }, help)
            ->check(CLI::IsMember(names_of<T>()))
            ->default_str(to_string(field));
  } else if constexpr (detail::is_optional<T>::value) {
    using E = typename T::value_type;  // an enum left unset unless given
    o = command->add_option_function<std::string>(
                   flag, [&field](const std::string& text) { field = parse<E>(text); }, help)
            ->check(CLI::IsMember(names_of<E>()));
  } else if constexpr (detail::is_vector<T>::value && NamedEnum<typename detail::is_vector<T>::value_type>) {
    using E = typename detail::is_vector<T>::value_type;
    std::vector<std::string> defaults;
    for (const auto& v : field) defaults.push_back(to_string(v));
    o = command
            ->add_option_function<std::vector<std::string>>(
                flag,
                [&field](const std::vector<std::string>& texts) {
                  field.clear();
                  for (const auto& t : texts) field.push_back(parse<E>(t));
                },
                help)
            ->check(CLI::IsMember(names_of<E>()))
            ->delimiter(',')
            ->default_str(CLI::detail::join(defaults, ","));
  } else if constexpr (detail::is_vector<T>::value) {
    o = command->add_option(flag, field, help)->allow_extra_args(false);
    // Numbers come comma-separated (--mean 0.5,0.5,0.5); names repeat the flag (--ignore-name a --ignore-name b).
    if constexpr (std::is_arithmetic_v<typename detail::is_vector<T>::value_type>) o->delimiter(',');
  } else if constexpr (std::is_arithmetic_v<T>) {
    o = command->add_option(flag, field, help)->capture_default_str();
    if (row.limit) o->check(within(*row.limit));
  } else {
    static_assert(std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>,
                  "bind(): a bool, an enum, a list, a number or a string");
    o = command->add_option(flag, field, help);
    if (!field.empty()) o->capture_default_str();
  }
  if (!row.default_text.empty()) o->default_str(std::string(row.default_text));
  return o;
}

// A number whose flag value is converted before it is stored (e.g. megabytes into bytes).
template <class Number, class Set>
CLI::Option* bind_converted(CLI::App* command, const Option& row, Set set) {
  if (command->get_parent() && !row.applies_to(command->get_name()))
    throw std::logic_error("option " + std::string(row.flag) + " is not declared for '" + command->get_name() + "'");
  auto* o = command->add_option_function<Number>(std::string(row.flag), set, std::string(row.help));
  if (row.limit) o->check(within(*row.limit));
  if (!row.default_text.empty()) o->default_str(std::string(row.default_text));
  return o;
}

// Whether the flag of `row` was given on this command's line.
inline bool given(const CLI::App* command, const Option& row) {
  const std::string_view flag = row.flag.substr(row.flag.rfind(',') + 1);  // "-c,--config": "--config"
  const auto* o = command->get_option_no_throw(std::string(flag));
  return o && o->count() > 0;
}

}  // namespace torchvino::cli
