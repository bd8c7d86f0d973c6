// Entry of embed.html (served at /embed): only the public number, without the dashboard's code.
import './styles.css';
import { renderEmbed } from './embed-page';

renderEmbed(document.getElementById('app') ?? document.body, location.search);
